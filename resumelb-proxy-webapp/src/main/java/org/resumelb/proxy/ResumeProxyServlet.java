package org.resumelb.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.util.component.LifeCycle;
import org.resumelb.agent.Log;
import org.resumelb.agent.classify.RequestClasses;
import org.resumelb.agent.classify.RequestView;
import org.resumelb.agent.config.Settings;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeException;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.proxy.pool.Pool;
import org.resumelb.proxy.pool.PoolWorker;
import org.resumelb.proxy.pool.Pools;

/**
 * The load balancer: Jetty's {@link ProxyServlet} routing every request by
 * skill and backlog. It only overrides Jetty's hooks: {@link #rewriteTarget}
 * classifies the request and acquires a worker from the {@link Pool};
 * {@link #copyRequestHeaders} strips client-supplied {@code X-ResumeLB-*}
 * headers; {@link #addProxyHeaders} adds {@code X-ResumeLB-Class};
 * {@link #onProxyResponseSuccess} and {@link #onProxyResponseFailure} release
 * the worker, and on a connection failure eject it and retry idempotent
 * requests without a body on another worker. Requests under the operations
 * prefix ({@code /_resumelb}) are never proxied: {@code POST /_resumelb/resumes}
 * receives résumés.
 *
 * <p>With no worker at all a request waits (asynchronously, holding no thread)
 * up to {@code queueTimeout} for one to join, then gets 503 with Retry-After.
 *
 * <p>Thread-safety: fields are set in {@link #init} and read-only after; the
 * per-request {@link Exchange} releases its worker at most once through an
 * atomic hand-off.
 */
public class ResumeProxyServlet extends ProxyServlet {

    public static final String CLASS_HEADER = "X-ResumeLB-Class";
    public static final String INTERNAL_HEADER_PREFIX = "X-ResumeLB-";
    /** Servlet context attribute holding the {@link WorkerDirectory} (for status pages and tests). */
    public static final String DIRECTORY_ATTRIBUTE = WorkerDirectory.class.getName();
    public static final String RECEIVER_ATTRIBUTE = ResumeReceiver.class.getName();

    private static final Log LOG = Log.get(ResumeProxyServlet.class);
    private static final String EXCHANGE_ATTRIBUTE = Exchange.class.getName();
    private static final String WAITED_ATTRIBUTE = ResumeProxyServlet.class.getName() + ".waited";
    private static final String SERVER_EXECUTOR_ATTRIBUTE = "org.eclipse.jetty.server.Executor";
    private static final int FALLBACK_MAX_THREADS = 256;
    /** Oversized pushes up to this size are read and discarded so that their sender gets a clean 413. */
    private static final long DRAIN_LIMIT = 16L << 20;

    private ProxySettings settings;
    private Pool pool;
    private WorkerDirectory directory;
    private ResumeReceiver receiver;
    private ResumeCodec codec;
    private boolean ownExecutor;
    private ScheduledExecutorService puller;
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();

    @Override
    public void init(ServletConfig config) throws ServletException {
        ServletContext context = config.getServletContext();
        try {
            settings = ProxySettings.read(Settings.forServlet(config::getInitParameter, context::getInitParameter));
        } catch (IllegalArgumentException e) {
            LOG.error("ResumeLB proxy not started: {}", e.getMessage());
            throw new ServletException(e.getMessage(), e);
        }
        Map<String, String> jetty = new HashMap<>(settings.jettyParameters());
        if (!jetty.containsKey("maxThreads") && context.getAttribute(SERVER_EXECUTOR_ATTRIBUTE) == null) {
            // Not in Jetty (Tomcat, say): Jetty's ProxyServlet would fail with "No server executor for proxy".
            jetty.put("maxThreads", Integer.toString(FALLBACK_MAX_THREADS));
        }
        ownExecutor = jetty.containsKey("maxThreads");
        super.init(new JettyParameters(config, jetty));

        codec = new ResumeCodec(ResumeLimits.DEFAULT);
        pool = Pools.create(settings.policy(), settings.pool());
        directory = new WorkerDirectory(pool, settings.workerTtl(), settings.maxSkew(), Clock.systemUTC());
        directory.onJoin(this::wakeWaiters);
        receiver = new ResumeReceiver(codec, settings.secret(), settings.insecure(), directory);
        context.setAttribute(DIRECTORY_ATTRIBUTE, directory);
        context.setAttribute(RECEIVER_ATTRIBUTE, receiver);
        if (settings.secret() == null && settings.insecure()) {
            LOG.warn("ResumeLB: INSECURE MODE, unsigned résumé pushes are accepted: anyone who reaches {}{}/resumes can steer traffic",
                    context.getContextPath(), settings.prefix());
        }
        if (!settings.workers().isEmpty()) {
            puller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "resumelb-pull");
                t.setDaemon(true);
                return t;
            });
            puller.scheduleWithFixedDelay(this::pullAll, 0, settings.pullInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
        LOG.info("ResumeLB proxy started: policy {}, settings {}", settings.policy(), settings.inForce());
    }

    /** The servlet config Jetty's ProxyServlet reads, with our validated values and defaults. */
    private static final class JettyParameters implements ServletConfig {
        private final ServletConfig config;
        private final Map<String, String> values;

        JettyParameters(ServletConfig config, Map<String, String> values) {
            this.config = config;
            this.values = values;
        }

        @Override
        public String getServletName() {
            return config.getServletName();
        }

        @Override
        public ServletContext getServletContext() {
            return config.getServletContext();
        }

        @Override
        public String getInitParameter(String name) {
            String v = values.get(name);
            return v != null ? v : config.getInitParameter(name);
        }

        @Override
        public Enumeration<String> getInitParameterNames() {
            List<String> names = new ArrayList<>(values.keySet());
            for (Enumeration<String> e = config.getInitParameterNames(); e.hasMoreElements(); ) {
                String n = e.nextElement();
                if (!values.containsKey(n)) {
                    names.add(n);
                }
            }
            return Collections.enumeration(names);
        }
    }

    public ProxySettings settings() {
        return settings;
    }

    public WorkerDirectory directory() {
        return directory;
    }

    // ---------------------------------------------------------------- requests

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        String path = pathAfterServlet(request);
        String prefix = settings.prefix();
        if (path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
            operations(request, response, path.substring(prefix.length()));
            return;
        }
        if (pool.size() == 0 && !waitForWorker(request, response)) {
            return;
        }
        try {
            super.service(request, response);
        } catch (RuntimeException | IOException | ServletException e) {
            Exchange x = exchange(request);
            if (x != null) {
                x.release();
            }
            throw e;
        }
    }

    @Override
    protected String rewriteTarget(HttpServletRequest request) {
        String requestClass = RequestClasses.classify(settings.classifier(), new View(request));
        PoolWorker worker = pool.acquire(requestClass);
        if (worker == null) {
            return null;
        }
        Exchange x = new Exchange(requestClass, worker);
        request.setAttribute(EXCHANGE_ATTRIBUTE, x);
        return target(worker, request);
    }

    private static String target(PoolWorker worker, HttpServletRequest request) {
        String path = pathAfterServlet(request);
        String query = request.getQueryString();
        StringBuilder uri = new StringBuilder(worker.url().length() + path.length() + (query == null ? 0 : query.length() + 1));
        uri.append(worker.url()).append(path.isEmpty() ? "/" : path);
        if (query != null) {
            uri.append('?').append(query);
        }
        return uri.toString();
    }

    /** The raw (still encoded) path after the context path and servlet path. */
    static String pathAfterServlet(HttpServletRequest request) {
        String uri = request.getRequestURI();
        int skip = request.getContextPath().length() + request.getServletPath().length();
        return skip <= uri.length() ? uri.substring(skip) : "";
    }

    @Override
    protected void onProxyRewriteFailed(HttpServletRequest request, HttpServletResponse response) {
        sendPage(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    }

    @Override
    protected void copyRequestHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        super.copyRequestHeaders(clientRequest, proxyRequest);
        List<String> internal = null;
        for (Enumeration<String> names = clientRequest.getHeaderNames(); names.hasMoreElements(); ) {
            String name = names.nextElement();
            if (name.regionMatches(true, 0, INTERNAL_HEADER_PREFIX, 0, INTERNAL_HEADER_PREFIX.length())) {
                if (internal == null) {
                    internal = new ArrayList<>(2);
                }
                internal.add(name);
            }
        }
        if (internal != null) {
            List<String> strip = internal;
            proxyRequest.headers(headers -> strip.forEach(headers::remove));
        }
    }

    @Override
    protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        super.addProxyHeaders(clientRequest, proxyRequest);
        Exchange x = exchange(clientRequest);
        if (x != null) {
            proxyRequest.headers(headers -> headers.put(CLASS_HEADER, x.requestClass));
        }
    }

    @Override
    protected void onClientRequestFailure(HttpServletRequest clientRequest, Request proxyRequest, HttpServletResponse proxyResponse, Throwable failure) {
        Exchange x = exchange(clientRequest);
        if (x != null) {
            x.clientFailed = true;
        }
        super.onClientRequestFailure(clientRequest, proxyRequest, proxyResponse, failure);
    }

    @Override
    protected void onProxyResponseSuccess(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse) {
        Exchange x = exchange(clientRequest);
        if (x != null) {
            x.release();
        }
        super.onProxyResponseSuccess(clientRequest, proxyResponse, serverResponse);
    }

    @Override
    protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse, Throwable failure) {
        Exchange x = exchange(clientRequest);
        if (x == null) {
            super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
            return;
        }
        PoolWorker failed = x.release();
        boolean workerFailed = !x.clientFailed && isConnectionFailure(failure);
        if (workerFailed && failed != null) {
            directory.eject(failed.url(), String.valueOf(failure));
        }
        if (workerFailed && !proxyResponse.isCommitted() && retriable(clientRequest) && x.attempts < settings.maxRetries()) {
            PoolWorker next = pool.acquire(x.requestClass);
            if (next != null) {
                x.retry(next);
                LOG.debug("ResumeLB retrying {} {} on {} after {}", clientRequest.getMethod(), clientRequest.getRequestURI(), next.url(), failure);
                proxyResponse.reset();
                Request retry = newProxyRequest(clientRequest, target(next, clientRequest));
                copyRequestHeaders(clientRequest, retry);
                addProxyHeaders(clientRequest, retry);
                retry.timeout(getTimeout(), TimeUnit.MILLISECONDS);
                sendProxyRequest(clientRequest, proxyResponse, retry);
                return;
            }
        }
        if (!proxyResponse.isCommitted() && !x.clientFailed) {
            sendPage(clientRequest, proxyResponse, failure instanceof TimeoutException
                    ? HttpServletResponse.SC_GATEWAY_TIMEOUT : HttpServletResponse.SC_BAD_GATEWAY);
        } else {
            super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
        }
    }

    private boolean retriable(HttpServletRequest request) {
        return settings.retryMethods().contains(request.getMethod()) && !hasContent(request);
    }

    /** A failure of the worker's connection (refused, reset, closed early), not a timeout. */
    static boolean isConnectionFailure(Throwable failure) {
        boolean io = false;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException) {
                return false;
            }
            if (t instanceof IOException) {
                io = true;
            }
        }
        return io;
    }

    private static Exchange exchange(HttpServletRequest request) {
        return (Exchange) request.getAttribute(EXCHANGE_ATTRIBUTE);
    }

    /** One client request's hold on a worker: released exactly once per acquire. */
    private final class Exchange {
        final String requestClass;
        final AtomicReference<PoolWorker> held;
        volatile int attempts;
        volatile boolean clientFailed;

        Exchange(String requestClass, PoolWorker worker) {
            this.requestClass = requestClass;
            this.held = new AtomicReference<>(worker);
        }

        /** Releases the worker held, if any; returns it. */
        PoolWorker release() {
            PoolWorker w = held.getAndSet(null);
            if (w != null) {
                pool.release(w);
            }
            return w;
        }

        void retry(PoolWorker next) {
            attempts++;
            held.set(next);
        }
    }

    /** Adapts the client request for the classifier; the path is the one forwarded. */
    private static final class View implements RequestView {
        private final HttpServletRequest request;

        View(HttpServletRequest request) {
            this.request = request;
        }

        @Override
        public String method() {
            return request.getMethod();
        }

        @Override
        public String host() {
            return request.getHeader("Host");
        }

        @Override
        public String path() {
            return pathAfterServlet(request);
        }

        @Override
        public String query() {
            return request.getQueryString();
        }

        @Override
        public String header(String name) {
            return request.getHeader(name);
        }
    }

    // ------------------------------------------------------ waiting for workers

    /**
     * Suspends a request until a worker joins or {@code queueTimeout} passes.
     * Returns true when the caller may proceed at once.
     */
    private boolean waitForWorker(HttpServletRequest request, HttpServletResponse response) {
        boolean alreadyWaited = request.getDispatcherType() == DispatcherType.ASYNC && request.getAttribute(WAITED_ATTRIBUTE) != null;
        if (alreadyWaited || settings.queueTimeout().isZero() || waiting.get() >= settings.maxQueued()) {
            sendPage(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            return false;
        }
        request.setAttribute(WAITED_ATTRIBUTE, Boolean.TRUE);
        AsyncContext async = request.startAsync();
        async.setTimeout(settings.queueTimeout().toMillis());
        Waiter waiter = new Waiter(async);
        async.addListener(waiter);
        waiting.incrementAndGet();
        waiters.add(waiter);
        if (pool.size() > 0) {
            wakeWaiters();
        }
        return false;
    }

    private void wakeWaiters() {
        Waiter w;
        while ((w = waiters.poll()) != null) {
            if (w.claim()) {
                w.async.dispatch();
            }
        }
    }

    /** A request waiting for a worker: dispatched again on a join, or answered 503 on timeout. */
    private final class Waiter implements AsyncListener {
        final AsyncContext async;
        private final AtomicBoolean claimed = new AtomicBoolean();

        Waiter(AsyncContext async) {
            this.async = async;
        }

        boolean claim() {
            if (claimed.compareAndSet(false, true)) {
                waiting.decrementAndGet();
                return true;
            }
            return false;
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            if (claim()) {
                waiters.remove(this);
                sendPage((HttpServletRequest) async.getRequest(), (HttpServletResponse) async.getResponse(),
                        HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
            if (claim()) {
                waiters.remove(this);
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }

    // ----------------------------------------------------------- error pages

    private static final Map<Integer, String> PAGES = Map.of(
            502, "The server that was handling your request went away before it answered. Please try again.",
            503, "No server is available to handle your request right now. Please try again in a few seconds.",
            504, "The server handling your request did not answer in time. Please try again.");

    /** Answers with a short, clear HTML page and completes the request if it is asynchronous. */
    private void sendPage(HttpServletRequest request, HttpServletResponse response, int status) {
        try {
            if (!response.isCommitted()) {
                response.reset();
                response.setStatus(status);
                if (status == HttpServletResponse.SC_SERVICE_UNAVAILABLE) {
                    response.setHeader("Retry-After", "5");
                }
                response.setHeader("Cache-Control", "no-store");
                response.setContentType("text/html;charset=utf-8");
                String title = status + (status == 502 ? " Bad Gateway" : status == 503 ? " Service Unavailable" : " Gateway Timeout");
                byte[] page = ("<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" + title
                        + "</h1><p>" + PAGES.getOrDefault(status, "Please try again.") + "</p></body></html>\n")
                        .getBytes(StandardCharsets.UTF_8);
                response.setContentLength(page.length);
                response.getOutputStream().write(page);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("ResumeLB could not send the {} page: {}", status, e.toString());
        } finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().complete();
            }
        }
    }

    // ------------------------------------------------------------ operations

    private void operations(HttpServletRequest request, HttpServletResponse response, String operation) throws IOException {
        if (operation.equals("/resumes")) {
            if (!"POST".equals(request.getMethod())) {
                response.setHeader("Allow", "POST");
                plain(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "résumés are pushed with POST");
                return;
            }
            ResumeReceiver.Answer answer = receive(request);
            if (answer.status() == 204) {
                response.setStatus(204);
            } else {
                if (answer.status() == 413 && !drainOversized(request)) {
                    // The rest of the body is not read: the connection cannot be reused.
                    response.setHeader("Connection", "close");
                }
                if (answer.status() == HttpServletResponse.SC_UNAUTHORIZED) {
                    // RFC 9110 requires a challenge with every 401: name our scheme and header.
                    response.setHeader("WWW-Authenticate", "HMAC-SHA256 realm=\"resumelb\", header=\"" + ResumeCodec.SIGNATURE_HEADER + "\"");
                }
                plain(response, answer.status(), answer.message());
            }
            return;
        }
        plain(response, HttpServletResponse.SC_NOT_FOUND, "no such ResumeLB operation: " + operation);
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

    private ResumeReceiver.Answer receive(HttpServletRequest request) throws IOException {
        int max = receiver.maxBodyBytes();
        long declared = request.getContentLengthLong();
        if (declared > max) {
            return receiver.tooLarge(declared);
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(max + 1);
        }
        if (body.length > max) {
            return receiver.tooLarge(body.length);
        }
        return receiver.receive(body, request.getHeader(ResumeCodec.SIGNATURE_HEADER));
    }

    private static void plain(HttpServletResponse response, int status, String message) throws IOException {
        response.setStatus(status);
        response.setContentType("text/plain;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    // ------------------------------------------------------------ static workers

    private void pullAll() {
        for (URI worker : settings.workers()) {
            String url = worker.toString();
            try {
                getHttpClient().newRequest(url + "/_resumelb/resume")
                        .timeout(Math.max(1000, settings.pullInterval().toMillis()), TimeUnit.MILLISECONDS)
                        .send(new BufferingResponseListener(codec.limits().maxBodyBytes()) {
                            @Override
                            public void onComplete(org.eclipse.jetty.client.Result result) {
                                if (result.isFailed() || result.getResponse().getStatus() != 200) {
                                    LOG.debug("ResumeLB could not pull the résumé of {}: {}", url,
                                            result.isFailed() ? result.getFailure() : result.getResponse().getStatus());
                                    return;
                                }
                                try {
                                    Resume resume = codec.decode(getContent());
                                    directory.pulled(url, resume);
                                } catch (ResumeException e) {
                                    LOG.warn("ResumeLB got an invalid résumé from {}: {}", url, e.getMessage());
                                }
                            }
                        });
            } catch (RuntimeException e) {
                LOG.warn("ResumeLB could not pull the résumé of {}: {}", url, e.toString());
            }
        }
    }

    @Override
    public void destroy() {
        if (puller != null) {
            puller.shutdownNow();
        }
        Waiter w;
        while ((w = waiters.poll()) != null) {
            if (w.claim()) {
                sendPage((HttpServletRequest) w.async.getRequest(), (HttpServletResponse) w.async.getResponse(),
                        HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            }
        }
        if (directory != null) {
            directory.close();
        }
        Executor executor = getHttpClient() == null ? null : getHttpClient().getExecutor();
        super.destroy();
        if (ownExecutor && executor instanceof LifeCycle lifeCycle) {
            try {
                lifeCycle.stop();
            } catch (Exception e) {
                LOG.debug("ResumeLB could not stop its proxy thread pool: {}", e.toString());
            }
        }
    }
}
