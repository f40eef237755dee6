package org.resumelb.filter;

import java.io.IOException;
import java.io.PrintWriter;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import org.resumelb.agent.load.WorkerLoad;
import org.resumelb.agent.protocol.Protocol;

/**
 * The response to a load balancer's request, which adds the worker's load
 * report ({@link Protocol#LOAD_HEADER}) as late as a header can still be set:
 * when the application starts its body ({@link #getOutputStream},
 * {@link #getWriter}), flushes, sends an error or a redirect, or, for a
 * response without a body, when the filter chain returns
 * ({@link #report()}). A report taken when the request arrived would be a whole
 * request's time old when the load balancer reads it, and on a busy worker
 * that is the time in which everything it counted has changed.
 *
 * <p>An asynchronous request whose application writes through the container's
 * own response ({@code request.startAsync()} without arguments, then
 * {@code AsyncContext.getResponse()}) bypasses this wrapper, and its response
 * carries no report; the load balancer then keeps its last report of the
 * worker, aging. Applications that pass on the response they were given
 * (including {@code startAsync(request, response)}) report as any other.
 *
 * <p>Thread-safety: the first of these calls sets the header; a second one,
 * from another thread of an asynchronous request, at worst sets it again with a
 * fresher value before the response commits ({@code setHeader} replaces).
 */
final class LoadReportingResponse extends HttpServletResponseWrapper {

    private final WorkerLoad load;
    private volatile boolean reported;

    LoadReportingResponse(HttpServletResponse response, WorkerLoad load) {
        super(response);
        this.load = load;
    }

    /** Sets the report now, unless it is set already or the response has committed. */
    void report() {
        if (!reported) {
            reported = true;
            if (!isCommitted()) {
                setHeader(Protocol.LOAD_HEADER, load.report());
            }
        }
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        report();
        return super.getOutputStream();
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        report();
        return super.getWriter();
    }

    @Override
    public void flushBuffer() throws IOException {
        report();
        super.flushBuffer();
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        report();
        super.sendError(sc, msg);
    }

    @Override
    public void sendError(int sc) throws IOException {
        report();
        super.sendError(sc);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        report();
        super.sendRedirect(location);
    }
}
