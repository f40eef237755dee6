package org.resumelb.proxy;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.resumelb.agent.Log;
import org.resumelb.proxy.route.ErrorPage;

/** Writes an {@link ErrorPage} as the answer to a client. Stateless. */
final class ErrorPages {

    private static final Log LOG = Log.get(ErrorPages.class);

    private ErrorPages() {
    }

    /** Answers with the page for {@code status} (unless the answer has started) and completes the request if it is asynchronous. */
    static void send(HttpServletRequest request, HttpServletResponse response, int status) {
        try {
            if (!response.isCommitted()) {
                ErrorPage page = ErrorPage.of(status);
                response.reset();
                response.setStatus(status);
                if (status == HttpServletResponse.SC_SERVICE_UNAVAILABLE || status == 429) {
                    response.setHeader("Retry-After", Integer.toString(ErrorPage.RETRY_AFTER_SECONDS));
                }
                response.setHeader("Cache-Control", "no-store");
                response.setContentType("text/html;charset=utf-8");
                response.setContentLength(page.html().length);
                response.getOutputStream().write(page.html());
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("ResumeLB could not send the {} page: {}", status, e.toString());
        } finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().complete();
            }
        }
    }
}
