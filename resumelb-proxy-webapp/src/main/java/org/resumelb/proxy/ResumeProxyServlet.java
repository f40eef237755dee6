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
import org.resumelb.proxy.pool.SwitchablePool;

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
    public static final String ADMIN_ATTRIBUTE = Admin.class.getName();
    public static final String METRICS_ATTRIBUTE = ProxyMetrics.class.getName();

    private static final Log LOG = Log.get(ResumeProxyServlet.class);
    private static final String EXCHANGE_ATTRIBUTE = Exchange.class.getName();
    private static final String WAITED_ATTRIBUTE = ResumeProxyServlet.class.getName() + ".waited";
    private static final String SERVER_EXECUTOR_ATTRIBUTE = "org.eclipse.jetty.server.Executor";
    private static final int FALLBACK_MAX_THREADS = 256;
    /** Oversized pushes up to this size are read and discarded so that their sender gets a clean 413. */
    private static final long DRAIN_LIMIT = 16L << 20;

    private ProxySettings settings;
    private SwitchablePool pool;
    private ProxyMetrics metrics;
    private ClassCounts classCounts;
    private StatusPage statusPage;
    private Admin admin;
    /** Requests holding a worker right now, for the status page's oldest in-flight age. */
    private final java.util.Set<Exchange> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
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
        RuntimeSettings runtime = new RuntimeSettings(settings.policy(), settings.pool());
        if (settings.settingsFile() != null && java.nio.file.Files.exists(settings.settingsFile())) {
            try {
                runtime = runtime.load(settings.settingsFile());
            } catch (IOException | IllegalArgumentException e) {
                String message = "Invalid setting settingsFile=" + settings.settingsFile() + ": " + e.getMessage()
                        + " (fix or remove the file; its previous version is " + RuntimeSettings.backup(settings.settingsFile()) + ")";
                LOG.error("ResumeLB proxy not started: {}", message);
                super.destroy();
                throw new ServletException(message, e);
            }
            LOG.warn("ResumeLB run-time settings from {} override web.xml: {}", settings.settingsFile(), runtime.asMap());
        }
        pool = new SwitchablePool(runtime.policy(), runtime.pool());
        directory = new WorkerDirectory(pool, settings.workerTtl(), settings.maxSkew(), Clock.systemUTC(), settings.singleVersion());
        directory.onJoin(this::wakeWaiters);
        receiver = new ResumeReceiver(codec, settings.secret(), settings.insecure(), directory);
        admin = new Admin(settings.secret(), settings.maxSkew(), Clock.systemUTC(), pool, directory, settings.settingsFile(), runtime);
        metrics = new ProxyMetrics(pool, directory, receiver, waiting::get);
        classCounts = new ClassCounts(settings.maxClasses());
        statusPage = new StatusPage(pool, directory, metrics, classCounts, receiver, this::oldestInFlight, this::settingsInForce,
                waiting::get, Clock.systemUTC());
        context.setAttribute(DIRECTORY_ATTRIBUTE, directory);
        context.setAttribute(RECEIVER_ATTRIBUTE, receiver);
        context.setAttribute(ADMIN_ATTRIBUTE, admin);
        context.setAttribute(METRICS_ATTRIBUTE, metrics);
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
        LOG.info("ResumeLB proxy started: policy {}, settings {}; status, dashboard and metrics under {}{}/ answer {}",
                runtime.policy(), settings.inForce(), context.getContextPath(), settings.prefix(), settings.adminAllow());
    }

    /** The settings in force: those read at start, with the run-time ones as they are now. */
    private Map<String, Object> settingsInForce() {
        Map<String, Object> all = new java.util.TreeMap<>(settings.inForce());
        all.putAll(admin.inForce().asMap());
        all.put("settingsFile", settings.settingsFile() == null ? null : settings.settingsFile().toString());
        return all;
    }

    /** Worker URL to the start (System.nanoTime) of its oldest request in flight. */
    private Map<String, Long> oldestInFlight() {
        Map<String, Long> oldest = new HashMap<>();
        for (Exchange x : inFlight) {
            PoolWorker w = x.held.get();
            if (w != null) {
                oldest.merge(w.url(), x.startNanos, Math::min);
            }
        }
        return oldest;
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
        long start = System.nanoTime();
        String requestClass = RequestClasses.classify(settings.classifier(), new View(request));
        PoolWorker worker = pool.acquire(requestClass);
        metrics.routingNanos(System.nanoTime() - start);
        if (worker == null) {
            return null;
        }
        classCounts.count(requestClass);
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
        metrics.noWorker();
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
            PoolWorker w = x.release();
            if (w != null) {
                metrics.request(w.url(), ProxyMetrics.Outcome.SUCCESS);
            }
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
        if (failed != null) {
            metrics.request(failed.url(), x.clientFailed ? ProxyMetrics.Outcome.CLIENT_FAILURE
                    : workerFailed ? ProxyMetrics.Outcome.WORKER_FAILURE
                    : isTimeout(failure) ? ProxyMetrics.Outcome.TIMEOUT : ProxyMetrics.Outcome.WORKER_FAILURE);
        }
        if (workerFailed && failed != null) {
            directory.eject(failed.url(), String.valueOf(failure));
        }
        if (workerFailed && !proxyResponse.isCommitted() && retriable(clientRequest) && x.attempts < settings.maxRetries()) {
            PoolWorker next = pool.acquire(x.requestClass);
            if (next != null) {
                x.retry(next);
                metrics.retry();
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

    static boolean isTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
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
        volatile long startNanos = System.nanoTime();

        Exchange(String requestClass, PoolWorker worker) {
            this.requestClass = requestClass;
            this.held = new AtomicReference<>(worker);
            inFlight.add(this);
        }

        /** Releases the worker held, if any; returns it. */
        PoolWorker release() {
            PoolWorker w = held.getAndSet(null);
            if (w != null) {
                inFlight.remove(this);
                pool.release(w);
            }
            return w;
        }

        void retry(PoolWorker next) {
            attempts++;
            startNanos = System.nanoTime();
            held.set(next);
            inFlight.add(this);
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
            metrics.noWorker();
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
                metrics.noWorker();
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
            resumes(request, response);
            return;
        }
        // Everything else under the prefix shows or steers the load balancer: loopback and adminAllow only.
        if (!settings.adminAllow().allows(request.getRemoteAddr())) {
            LOG.debug("ResumeLB refused {} {} from {}", request.getMethod(), request.getRequestURI(), request.getRemoteAddr());
            plain(response, HttpServletResponse.SC_FORBIDDEN, settings.prefix() + operation + " answers " + settings.adminAllow()
                    + "; " + request.getRemoteAddr() + " is not allowed (setting adminAllow)");
            return;
        }
        switch (operation) {
            case "" -> {
                response.setStatus(HttpServletResponse.SC_MOVED_PERMANENTLY);
                response.setHeader("Location", request.getContextPath() + request.getServletPath() + settings.prefix() + "/");
            }
            case "/" -> {
                if (getOnly(request, response)) {
                    dashboard(response);
                }
            }
            case "/status" -> {
                if (getOnly(request, response)) {
                    status(request, response);
                }
            }
            case "/metrics" -> {
                if (getOnly(request, response)) {
                    response.setStatus(200);
                    response.setContentType(metrics.contentType());
                    response.setHeader("Cache-Control", "no-store");
                    metrics.write(response.getOutputStream());
                }
            }
            default -> {
                if (operation.startsWith("/admin/")) {
                    adminCall(request, response, operation.substring("/admin".length()));
                } else {
                    plain(response, HttpServletResponse.SC_NOT_FOUND, "no such ResumeLB operation: " + operation
                            + " (there are /, /status, /metrics, /resumes, /admin/settings, /admin/reset-skills)");
                }
            }
        }
    }

    private static boolean getOnly(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String m = request.getMethod();
        if (m.equals("GET") || m.equals("HEAD")) {
            return true;
        }
        response.setHeader("Allow", "GET, HEAD");
        plain(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, request.getRequestURI() + " answers GET only");
        return false;
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
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(8192);
        statusPage.write(out, classes);
        response.setStatus(200);
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(out.size());
        out.writeTo(response.getOutputStream());
    }

    private static volatile byte[] dashboardPage;

    private void dashboard(HttpServletResponse response) throws IOException {
        byte[] page = dashboardPage;
        if (page == null) {
            try (InputStream in = ResumeProxyServlet.class.getResourceAsStream("dashboard.html")) {
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

    private void adminCall(HttpServletRequest request, HttpServletResponse response, String operation) throws IOException {
        if (!"POST".equals(request.getMethod())) {
            response.setHeader("Allow", "POST");
            plain(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "admin calls are signed POSTs");
            return;
        }
        int max = 64 * 1024;
        if (request.getContentLengthLong() > max) {
            response.setHeader("Connection", "close");
            plain(response, 413, "admin call bodies are at most " + max + " bytes");
            return;
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(max + 1);
        }
        if (body.length > max) {
            response.setHeader("Connection", "close");
            plain(response, 413, "admin call bodies are at most " + max + " bytes");
            return;
        }
        Admin.Answer answer = admin.handle(operation, body, request.getHeader(ResumeCodec.SIGNATURE_HEADER));
        if (answer.status() == 200) {
            byte[] json = answer.body().getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentType("application/json");
            response.setHeader("Cache-Control", "no-store");
            response.setContentLength(json.length);
            response.getOutputStream().write(json);
        } else {
            if (answer.status() == HttpServletResponse.SC_UNAUTHORIZED) {
                response.setHeader("WWW-Authenticate", "HMAC-SHA256 realm=\"resumelb\", header=\"" + ResumeCodec.SIGNATURE_HEADER + "\"");
            }
            plain(response, answer.status(), answer.body());
        }
    }

    private void resumes(HttpServletRequest request, HttpServletResponse response) throws IOException {
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
