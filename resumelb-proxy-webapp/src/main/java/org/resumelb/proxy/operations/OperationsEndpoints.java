package org.resumelb.proxy.operations;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.resumelb.agent.Log;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.proxy.membership.ResumeReceiver;

/**
 * The HTTP side of the load balancer's own endpoints: a thin servlet adapter
 * that reads a routed request ({@link Operations.Route}), calls the plain Java
 * behind it ({@link StatusPage}, {@link ProxyMetrics}, {@link Admin},
 * {@link ResumeReceiver}) and writes its answer. Bodies are read with a bound
 * before anything is parsed.
 *
 * <p>Thread-safe: stateless apart from the dashboard page, loaded once.
 */
public final class OperationsEndpoints {

    private static final Log LOG = Log.get(OperationsEndpoints.class);
    /** Oversized pushes up to this size are read and discarded so that their sender gets a clean 413. */
    static final long DRAIN_LIMIT = 16L << 20;
    /** Admin call bodies are small JSON objects. */
    static final int MAX_ADMIN_BODY = 64 * 1024;

    private final Operations operations;
    private final StatusPage statusPage;
    private final ProxyMetrics metrics;
    private final Admin admin;
    private final ResumeReceiver receiver;
    private volatile byte[] dashboardPage;

    public OperationsEndpoints(Operations operations, StatusPage statusPage, ProxyMetrics metrics, Admin admin, ResumeReceiver receiver) {
        this.operations = operations;
        this.statusPage = statusPage;
        this.metrics = metrics;
        this.admin = admin;
        this.receiver = receiver;
    }

    /**
     * Answers the request if it is for one of the load balancer's endpoints.
     *
     * @param path the path after the context and servlet paths
     * @return false when the request is not under the prefix (the caller proxies it)
     */
    public boolean serve(String path, HttpServletRequest request, HttpServletResponse response) throws IOException {
        Operations.Route route = operations.route(path, request.getMethod(), request.getRemoteAddr(), request::getHeaders);
        if (route == null) {
            return false;
        }
        String op = route.operation();
        if (!route.methodAllowed()) {
            boolean post = route.endpoint().methods().contains("POST");
            response.setHeader("Allow", post ? "POST" : "GET, HEAD");
            plain(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, switch (route.endpoint()) {
                case RESUMES -> "résumés are pushed with POST";
                case ADMIN -> "admin calls are signed POSTs";
                default -> request.getRequestURI() + " answers GET only";
            });
            return true;
        }
        switch (route.endpoint()) {
            case FORBIDDEN -> {
                LOG.debug("ResumeLB refused {} {} from {}: {}", request.getMethod(), request.getRequestURI(), request.getRemoteAddr(),
                        route.refusal());
                plain(response, HttpServletResponse.SC_FORBIDDEN, route.refusal());
            }
            case REDIRECT -> {
                response.setStatus(HttpServletResponse.SC_MOVED_PERMANENTLY);
                response.setHeader("Location", request.getContextPath() + request.getServletPath() + operations.prefix() + "/");
            }
            case DASHBOARD -> dashboard(response);
            case STATUS -> status(request, response);
            case METRICS -> {
                response.setStatus(200);
                response.setContentType(metrics.contentType());
                response.setHeader("Cache-Control", "no-store");
                metrics.write(response.getOutputStream());
            }
            case RESUMES -> resumes(request, response);
            case ADMIN -> adminCall(request, response, operations.prefix() + op, op.substring("/admin".length()));
            case NOT_FOUND -> plain(response, HttpServletResponse.SC_NOT_FOUND, "no such ResumeLB operation: " + op
                    + " (there are " + Operations.LIST + ")");
        }
        return true;
    }

    private void status(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int classes = 50;
        String param = request.getParameter("classes");
        if (param != null) {
            try {
                classes = Integer.parseInt(param.trim());
            } catch (NumberFormatException e) {
                classes = -1;
            }
            if (classes < 0 || classes > 100_000) {
                plain(response, HttpServletResponse.SC_BAD_REQUEST, "classes=" + param + ": accepted values are integers from 0 to 100000");
                return;
            }
        }
        String resumes = request.getParameter("resumes");
        if (resumes != null && !resumes.equals("true") && !resumes.equals("false")) {
            plain(response, HttpServletResponse.SC_BAD_REQUEST, "resumes=" + resumes + ": accepted values are true and false");
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        statusPage.write(out, classes, "true".equals(resumes));
        response.setStatus(200);
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(out.size());
        out.writeTo(response.getOutputStream());
    }

    private void dashboard(HttpServletResponse response) throws IOException {
        byte[] page = dashboardPage;
        if (page == null) {
            try (InputStream in = OperationsEndpoints.class.getResourceAsStream("dashboard.html")) {
                if (in == null) {
                    throw new IOException("dashboard.html is missing from the proxy's classes");
                }
                page = in.readAllBytes();
            }
            dashboardPage = page;
        }
        response.setStatus(200);
        response.setContentType("text/html;charset=utf-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentLength(page.length);
        response.getOutputStream().write(page);
    }

    private void adminCall(HttpServletRequest request, HttpServletResponse response, String path, String operation) throws IOException {
        byte[] body = readBounded(request, MAX_ADMIN_BODY);
        if (body == null) {
            response.setHeader("Connection", "close");
            plain(response, 413, "admin call bodies are at most " + MAX_ADMIN_BODY + " bytes");
            return;
        }
        Admin.Answer answer = admin.handle(path, operation, body, request.getHeader(Protocol.SIGNATURE_HEADER));
        if (answer.status() == 200) {
            byte[] json = answer.body().getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentType("application/json");
            response.setHeader("Cache-Control", "no-store");
            response.setContentLength(json.length);
            response.getOutputStream().write(json);
        } else {
            if (answer.status() == HttpServletResponse.SC_UNAUTHORIZED) {
                response.setHeader("WWW-Authenticate", Protocol.AUTH_CHALLENGE);
            }
            plain(response, answer.status(), answer.body());
        }
    }

    private void resumes(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int max = receiver.maxBodyBytes();
        long declared = request.getContentLengthLong();
        ResumeReceiver.Answer answer;
        byte[] body = declared > max ? null : readBounded(request, max);
        if (body == null) {
            answer = receiver.tooLarge(Math.max(declared, max + 1L));
        } else {
            // The address and port the push came in on: a worker URL that points back there would loop (workerAllow).
            answer = receiver.receive(body, request.getHeader(Protocol.SIGNATURE_HEADER), request.getLocalAddr(), request.getLocalPort());
        }
        if (answer.status() == 204) {
            response.setStatus(204);
            return;
        }
        if (answer.status() == 413 && !drainOversized(request)) {
            // The rest of the body is not read: the connection cannot be reused.
            response.setHeader("Connection", "close");
        }
        if (answer.status() == HttpServletResponse.SC_UNAUTHORIZED) {
            // RFC 9110 requires a challenge with every 401: name our scheme and header.
            response.setHeader("WWW-Authenticate", Protocol.AUTH_CHALLENGE);
        }
        plain(response, answer.status(), answer.message());
    }

    /** The body, or null when it is larger than {@code max} bytes (declared or read). */
    private static byte[] readBounded(HttpServletRequest request, int max) throws IOException {
        if (request.getContentLengthLong() > max) {
            return null;
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(max + 1);
        }
        return body.length > max ? null : body;
    }

    /**
     * Reads and discards the rest of an oversized push when it is at most {@link #DRAIN_LIMIT} bytes, so that the
     * client, still writing, reads its 413 instead of a broken pipe; a bigger body is not worth the bandwidth and
     * its connection is closed. Memory stays at one small buffer either way.
     */
    private static boolean drainOversized(HttpServletRequest request) {
        long declared = request.getContentLengthLong();
        if (declared > DRAIN_LIMIT) {
            return false;
        }
        try {
            InputStream in = request.getInputStream();
            byte[] buffer = new byte[8192];
            long total = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
                if (total > DRAIN_LIMIT) {
                    return false;
                }
            }
            return true;
        } catch (IOException | IllegalStateException e) {
            return false;
        }
    }

    static void plain(HttpServletResponse response, int status, String message) throws IOException {
        response.setStatus(status);
        response.setContentType("text/plain;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
