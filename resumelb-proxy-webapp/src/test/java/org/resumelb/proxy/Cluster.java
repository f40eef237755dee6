package org.resumelb.proxy;

import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.membership.ResumeReceiver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.resumelb.filter.ResumeFilter;

/**
 * A load balancer and real workers in one JVM, all embedded Jetty on loopback
 * ephemeral ports: the proxy servlet as deployed, and workers running the real
 * {@link ResumeFilter} in front of {@link EchoApp}.
 */
final class Cluster implements AutoCloseable {

    static final String SECRET = "cluster-test-secret-0123456789";

    /**
     * The forwarding headers {@link EchoApp} echoes, each in {@code X-Echo-<name>}: its fields joined with " | ",
     * percent-encoded (Jetty's proxy would unquote a quoted-string on the way back); read with {@link #echoed}.
     */
    static final List<String> FORWARDING = List.of("Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
            "X-Forwarded-Port", "X-Real-IP", "Via");

    /** What {@link EchoApp} echoes: {@link #FORWARDING} and {@code Cookie}. */
    private static final List<String> ECHOED = java.util.stream.Stream.concat(FORWARDING.stream(), java.util.stream.Stream.of("Cookie"))
            .toList();

    /**
     * The worker application: answers with its name in {@code X-Worker} and echoes
     * the X-ResumeLB-* headers it received in {@code X-Seen-*} and the
     * {@link #FORWARDING} ones and {@code Cookie} in {@code X-Echo-*}; {@code ?sleep=ms}
     * delays the answer, {@code ?loadHeader=v} replaces the filter's load report by {@code v}, {@code ?hold=key} until the test calls
     * {@link #release(String)} (30 s at most); each {@code ?setCookie=<value>} becomes a {@code Set-Cookie};
     * POST bodies are read and counted.
     */
    static final class EchoApp extends HttpServlet {
        private final String name;
        private final java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();

        EchoApp(String name) {
            this.name = name;
        }

        /** Requests that reached this application (the filter answers the résumé page itself: not counted). */
        int served() {
            return served.get();
        }

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            served.incrementAndGet();
            long bodyBytes = req.getInputStream().readAllBytes().length;
            String hold = req.getParameter("hold");
            if (hold != null) {
                try {
                    HOLDS.computeIfAbsent(hold, k -> new java.util.concurrent.CountDownLatch(1)).await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String sleep = req.getParameter("sleep");
            if (sleep != null) {
                try {
                    Thread.sleep(Long.parseLong(sleep));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            resp.setHeader("X-Worker", name);
            String bytes = req.getParameter("bytes");
            if (bytes != null) { // ?bytes=N: a body of N bytes, for slow readers
                resp.setContentType("application/octet-stream");
                resp.setContentLengthLong(Long.parseLong(bytes));
                byte[] block = new byte[8192];
                for (long left = Long.parseLong(bytes); left > 0; left -= block.length) {
                    resp.getOutputStream().write(block, 0, (int) Math.min(block.length, left));
                }
                return;
            }
            for (String h : Collections.list(req.getHeaderNames())) {
                if (h.toLowerCase().startsWith("x-resumelb-")) {
                    resp.addHeader("X-Seen-" + h.substring("x-resumelb-".length()), req.getHeader(h));
                }
            }
            String[] setCookies = req.getParameterValues("setCookie");
            if (setCookies != null) {
                for (String c : setCookies) {
                    resp.addHeader("Set-Cookie", c);
                }
            }
            for (String h : ECHOED) {
                List<String> values = Collections.list(req.getHeaders(h));
                if (!values.isEmpty()) {
                    resp.setHeader("X-Echo-" + h, java.net.URLEncoder.encode(String.join(" | ", values), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            resp.setContentType("text/plain");
            java.io.PrintWriter out = resp.getWriter(); // the filter sets its load report here, as the body starts
            String load = req.getParameter("loadHeader");
            if (load != null) { // ?loadHeader=v: the load report replaced by v (set after the filter's)
                resp.setHeader("X-ResumeLB-Load", load);
            }
            out.write(name + " " + req.getMethod() + " " + req.getRequestURI() + " host=" + req.getHeader("Host") + " body=" + bodyBytes);
        }
    }

    /** Requests held by {@code ?hold=key}, by key. */
    private static final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.CountDownLatch> HOLDS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Lets every request held by {@code ?hold=key} (now or later) answer. */
    static void release(String key) {
        HOLDS.computeIfAbsent(key, k -> new java.util.concurrent.CountDownLatch(1)).countDown();
    }

    /** The value of a forwarding header as {@link EchoApp} received it, or null when it received none. */
    static String echoed(org.eclipse.jetty.client.Response response, String header) {
        String v = response.getHeaders().get("X-Echo-" + header);
        return v == null ? null : java.net.URLDecoder.decode(v, java.nio.charset.StandardCharsets.UTF_8);
    }

    final Server proxy;
    final ServletHolder proxyServlet;
    final List<Server> workers = new ArrayList<>();
    final Map<String, Server> workersByName = new TreeMap<>();
    /** The application of each worker started by {@link #startWorker} or {@link #startTlsWorker}, by name. */
    final Map<String, EchoApp> apps = new TreeMap<>();

    Cluster(Map<String, String> proxyParams) throws Exception {
        this(proxyParams, false);
    }

    /**
     * @param forwarded whether the proxy's connector believes X-Forwarded-For (Jetty's
     *     ForwardedRequestCustomizer, as behind a TLS terminator): tests use it to
     *     appear to come from another address while still connecting over loopback
     */
    Cluster(Map<String, String> proxyParams, boolean forwarded) throws Exception {
        proxy = new Server();
        if (forwarded) {
            org.eclipse.jetty.server.HttpConfiguration config = new org.eclipse.jetty.server.HttpConfiguration();
            config.addCustomizer(new org.eclipse.jetty.server.ForwardedRequestCustomizer());
            ServerConnector c = new ServerConnector(proxy, 1, 1, new org.eclipse.jetty.server.HttpConnectionFactory(config));
            c.setHost("127.0.0.1");
            c.setPort(0);
            proxy.addConnector(c);
        } else {
            proxy.addConnector(loopback(proxy));
        }
        ServletContextHandler context = new ServletContextHandler("/");
        proxyServlet = new ServletHolder(ResumeProxyServlet.class);
        proxyServlet.setAsyncSupported(true);
        Map<String, String> params = new HashMap<>(Map.of("secret", SECRET, "queueTimeout", "2s"));
        params.putAll(proxyParams);
        proxyServlet.setInitParameters(params);
        proxyServlet.setInitOrder(1);
        context.addServlet(proxyServlet, "/*");
        proxy.setHandler(context);
        proxy.start();
    }

    static ServerConnector loopback(Server server) {
        ServerConnector c = new ServerConnector(server, 1, 1);
        c.setHost("127.0.0.1");
        c.setPort(0);
        return c;
    }

    String proxyUrl() {
        return "http://127.0.0.1:" + ((ServerConnector) proxy.getConnectors()[0]).getLocalPort();
    }

    /** The load balancer behind the deployed servlet. */
    LoadBalancer loadBalancer() {
        try {
            return ((ResumeProxyServlet) proxyServlet.getServlet()).loadBalancer();
        } catch (jakarta.servlet.ServletException e) {
            throw new IllegalStateException(e);
        }
    }

    WorkerDirectory directory() {
        return loadBalancer().directory();
    }

    ResumeReceiver receiver() {
        return loadBalancer().receiver();
    }

    /**
     * Starts a worker named {@code name} whose filter pushes to the proxy; returns its base URL. The push timeout is
     * long (10 s, not the filter's 2 s): a stopped worker waits that long at most for the answer to its draining push,
     * and a test that expects the worker gone once it has stopped must not see that push time out on a busy machine.
     */
    String startWorker(String name, Map<String, String> filterParams) throws Exception {
        Map<String, String> params = new HashMap<>(Map.of("lb", proxyUrl(), "secret", SECRET,
                "history", "10", "resumeInterval", "200ms", "heartbeat", "1s", "pushTimeout", "10s"));
        params.putAll(filterParams);
        EchoApp app = new EchoApp(name);
        Server server = worker(app, params, null);
        workers.add(server);
        workersByName.put(name, server);
        apps.put(name, app);
        return baseUrl(server);
    }

    /**
     * Starts a worker named {@code name} serving https only, with the key and certificate of {@code keyStore}
     * ({@link TestCertificates}), whose filter pushes to the proxy and announces its {@code https://} URL; returns
     * that URL.
     */
    String startTlsWorker(String name, TestCertificates certificates, java.nio.file.Path keyStore, Map<String, String> filterParams)
            throws Exception {
        Map<String, String> params = new HashMap<>(Map.of("lb", proxyUrl(), "secret", SECRET,
                "history", "10", "resumeInterval", "200ms", "heartbeat", "1s", "pushTimeout", "10s"));
        params.putAll(filterParams);
        EchoApp app = new EchoApp(name);
        Server server = worker(app, params, s -> certificates.tlsConnector(s, keyStore));
        workers.add(server);
        workersByName.put(name, server);
        apps.put(name, app);
        return baseUrl(server);
    }

    static String baseUrl(Server worker) {
        ServerConnector connector = (ServerConnector) worker.getConnectors()[0];
        String scheme = connector.getDefaultProtocol().startsWith("SSL") ? "https" : "http";
        return scheme + "://127.0.0.1:" + connector.getLocalPort() + "/app";
    }

    /**
     * Starts a worker running the real filter with {@code filterParams}
     * ({@code workerUrl} is set to its own address) in front of {@link EchoApp}.
     */
    static Server worker(String name, Map<String, String> filterParams) throws Exception {
        return worker(new EchoApp(name), filterParams, null);
    }

    /** {@link #worker(String, Map)} with its application, on the connector {@code tls} makes (null: plain http). */
    private static Server worker(EchoApp echo, Map<String, String> filterParams,
                                 java.util.function.Function<Server, ServerConnector> tls) throws Exception {
        Server server = new Server();
        ServerConnector connector = tls == null ? loopback(server) : tls.apply(server);
        server.addConnector(connector);
        server.setStopTimeout(0);
        // The port must be known for workerUrl: open the connector first.
        connector.open();
        String base = baseUrl(server);
        ServletContextHandler context = new ServletContextHandler("/app");
        ServletHolder app = new ServletHolder(echo);
        context.addServlet(app, "/*");
        FilterHolder filter = new FilterHolder(ResumeFilter.class);
        Map<String, String> params = new HashMap<>(filterParams);
        params.put("workerUrl", base);
        filter.setInitParameters(params);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        server.setHandler(context);
        server.start();
        return server;
    }

    /** Waits (bounded) until the proxy's pool has {@code n} workers. */
    void awaitWorkers(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (directory().pool().size() != n) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("pool has " + directory().pool().size() + " workers, expected " + n);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws Exception {
        for (Server w : workers) {
            w.stop();
        }
        proxy.stop();
    }
}
