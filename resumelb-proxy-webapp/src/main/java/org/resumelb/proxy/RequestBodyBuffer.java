package org.resumelb.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.resumelb.agent.Log;

/**
 * Reads a request body whole, without holding a thread, before a worker is
 * chosen (nginx's request buffering): a slow uploader then costs the proxy a
 * little memory and the workers nothing, as the worker receives the body at
 * loopback speed. When the body is in, the request is dispatched again with
 * the bytes in {@link #BODY}, and the proxy flow sends them as they are.
 *
 * <p>Bounds: the body may not exceed {@code requestBuffer} (a body announced
 * larger streams instead and never comes here; one without a length that
 * grows past it gets 413); a pause longer than {@code clientBodyTimeout}
 * between two reads, or an average below {@code minClientDataRate} after the
 * first second, gets 408. Either way the connection is closed.
 *
 * <p>Thread-safety: the container calls the listener's methods one at a
 * time; the watchdog runs on the load balancer's timer. They meet only in an
 * atomic claim of the request's end and in volatile progress fields.
 */
final class RequestBodyBuffer implements ReadListener {

    private static final Log LOG = Log.get(RequestBodyBuffer.class);
    /** The request attribute holding the body read (a byte[]). */
    static final String BODY = RequestBodyBuffer.class.getName();

    private final HttpServletRequest request;
    private final AsyncContext async;
    private final ServletInputStream input;
    private final long limit;
    private final long idleNanos;
    private final long minRate;
    private final ByteArrayOutputStream body;
    private final byte[] chunk = new byte[8192];
    private final AtomicBoolean ended = new AtomicBoolean();
    private final long startNanos = System.nanoTime();
    private volatile long lastReadNanos = startNanos;
    private volatile long received;
    private volatile ScheduledFuture<?> watchdog;

    private RequestBodyBuffer(HttpServletRequest request, AsyncContext async, ServletInputStream input, ProxySettings.Edge edge) {
        this.request = request;
        this.async = async;
        this.input = input;
        this.limit = edge.requestBuffer();
        this.idleNanos = edge.clientBodyTimeout().toNanos();
        this.minRate = edge.minClientDataRate();
        long declared = request.getContentLengthLong();
        this.body = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 256), limit));
    }

    /** Whether this request's body is to be read here first: it has one, and it is not announced larger than the buffer. */
    static boolean wanted(HttpServletRequest request, long limit) {
        if (limit <= 0 || request.getAttribute(BODY) != null) {
            return false;
        }
        long declared = request.getContentLengthLong();
        boolean chunked = declared < 0 && request.getHeader("Transfer-Encoding") != null;
        return (declared > 0 && declared <= limit) || chunked;
    }

    /** Starts reading; the request comes back through the servlet's service when its body is in. */
    static void start(HttpServletRequest request, LoadBalancer lb) throws IOException {
        AsyncContext async = request.startAsync();
        async.setTimeout(0); // the watchdog times the body
        ServletInputStream input = request.getInputStream();
        RequestBodyBuffer buffer = new RequestBodyBuffer(request, async, input, lb.settings().edge());
        long period = Math.max(50, Math.min(1000, lb.settings().edge().clientBodyTimeout().toMillis() / 2));
        buffer.watchdog = lb.timer().scheduleWithFixedDelay(buffer::check, period, period, TimeUnit.MILLISECONDS);
        input.setReadListener(buffer);
    }

    @Override
    public void onDataAvailable() throws IOException {
        while (!ended.get() && input.isReady()) {
            int n = input.read(chunk);
            if (n < 0) {
                return;
            }
            lastReadNanos = System.nanoTime();
            if (body.size() + (long) n > limit) {
                refuse(413, "request bodies without Content-Length are buffered up to requestBuffer (" + limit
                        + " bytes); send a Content-Length to stream a larger one");
                return;
            }
            body.write(chunk, 0, n);
            received = body.size();
        }
    }

    @Override
    public void onAllDataRead() {
        if (claim()) {
            request.setAttribute(BODY, body.toByteArray());
            async.dispatch();
        }
    }

    @Override
    public void onError(Throwable failure) {
        if (claim()) {
            LOG.debug("ResumeLB: a client failed while sending its body: {}", failure.toString());
            async.complete();
        }
    }

    /** The watchdog: too long a pause, or too slow on average, ends the request with 408. */
    private void check() {
        if (ended.get()) {
            ScheduledFuture<?> w = watchdog;
            if (w != null) {
                w.cancel(false); // ended before the watchdog was known
            }
            return;
        }
        long now = System.nanoTime();
        if (now - lastReadNanos > idleNanos) {
            refuse(408, "request body: no data for more than clientBodyTimeout (" + idleNanos / 1_000_000 + " ms)");
            return;
        }
        long elapsed = now - startNanos;
        if (minRate > 0 && elapsed > 1_000_000_000L && received * 1_000_000_000L / elapsed < minRate) {
            refuse(408, "request body: slower than minClientDataRate (" + minRate + " bytes/s)");
        }
    }

    private void refuse(int status, String message) {
        if (!claim()) {
            return;
        }
        LOG.debug("ResumeLB refused a request body ({}): {}", status, message);
        try {
            HttpServletResponse response = (HttpServletResponse) async.getResponse();
            if (!response.isCommitted()) {
                response.reset();
                response.setStatus(status);
                response.setHeader("Connection", "close");
                response.setContentType("text/plain;charset=utf-8");
                byte[] text = (message + "\n").getBytes(StandardCharsets.UTF_8);
                response.setContentLength(text.length);
                response.getOutputStream().write(text);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("ResumeLB could not answer {}: {}", status, e.toString());
        } finally {
            async.complete();
        }
    }

    private boolean claim() {
        if (ended.compareAndSet(false, true)) {
            ScheduledFuture<?> w = watchdog;
            if (w != null) {
                w.cancel(false);
            }
            return true;
        }
        return false;
    }
}
