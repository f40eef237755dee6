package org.resumelb.samples.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ClassMatcher;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One load balancer (or several alike) and its workers in this JVM: each an embedded Jetty
 * server on a loopback ephemeral port deploying the real WAR file, configured
 * only through context-params, as a deployer would. The load balancer can be
 * redeployed with other settings on the same port ({@link #restartProxy}) while
 * the workers keep running and pushing to it.
 *
 * <p>Thread-safe: starting workers and restarting the load balancer are
 * serialised on this object; the URLs and status reads may be called from any
 * thread.
 */
public final class DemoCluster implements AutoCloseable {

    public static final String SECRET = "demo-secret-not-for-production";

    private static final Pattern LIVE_STATE = Pattern.compile("\"state\"\\s*:\\s*\"(?:active|standby)\"");

    private volatile Server proxy;
    /** Reads the load balancer's status (its own threads, not named {@code proxy-}: not counted by {@link #proxyCpuNanos}). */
    private final HttpClient status = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Server> workers = new ArrayList<>();
    /** The load balancers after the first (see the constructor with {@code loadBalancers}). */
    private final List<Server> otherProxies = new ArrayList<>();
    private final List<String> workerUrls = new ArrayList<>();
    /** Workers that push to the load balancer (not those of {@link #addDetachedWorker}). */
    private volatile int joiningWorkers;
    private final Path proxyWar;
    private final Path workerWar;
    private final DemoOptions options;
    private final Map<String, String> baseProxyParams;
    private final Map<String, String> workerSettings;
    private final int proxyPort;
    private final String lb;
    /** Every load balancer's URL, the first one {@link #lb}: what the workers push to. */
    private final List<String> lbs;

    public DemoCluster(Path wars, String policy, DemoOptions o) throws Exception {
        this(wars, policy, o, Map.of(), Map.of());
    }

    /**
     * @param proxySettings more context-params of the load balancer (any of its
     *     settings, e.g. {@code classifier}), over the demo's own ({@code secret},
     *     {@code policy}, {@code queueTimeout} 5s)
     * @param workerSettings more context-params of every worker (filter settings
     *     such as {@code heartbeat}), over the demo's own
     */
    public DemoCluster(Path wars, String policy, DemoOptions o, Map<String, String> proxySettings,
                       Map<String, String> workerSettings) throws Exception {
        this(wars, policy, o, proxySettings, workerSettings, 1);
    }

    /**
     * As above with {@code loadBalancers} load balancers (1 or more) alike in front of the same workers, which push
     * to every one; {@link #proxyUrl()} is the first, {@link #proxyUrls()} all of them, and {@link #restartProxy}
     * redeploys the first only.
     */
    public DemoCluster(Path wars, String policy, DemoOptions o, Map<String, String> proxySettings,
                       Map<String, String> workerSettings, int loadBalancers) throws Exception {
        if (loadBalancers < 1) {
            throw new IllegalArgumentException("loadBalancers must be >= 1, got " + loadBalancers);
        }
        Path proxyWar = wars.resolve("resumelb-proxy-webapp.war");
        Path workerWar = wars.resolve("newsroom-worker.war");
        for (Path war : List.of(proxyWar, workerWar)) {
            if (!Files.isRegularFile(war)) {
                throw new IllegalStateException("missing " + war + ": build with the README's demo command");
            }
        }
        this.proxyWar = proxyWar;
        this.baseProxyParams = Map.of("secret", SECRET, "policy", policy, "queueTimeout", "5s");
        proxy = startProxy(0, proxySettings);
        this.proxyPort = ((ServerConnector) proxy.getConnectors()[0]).getLocalPort();
        List<String> lbs = new ArrayList<>(List.of("http://127.0.0.1:" + proxyPort));
        for (int i = 1; i < loadBalancers; i++) {
            Server other = startProxy(0, proxySettings);
            otherProxies.add(other);
            lbs.add("http://127.0.0.1:" + ((ServerConnector) other.getConnectors()[0]).getLocalPort());
        }
        this.lb = lbs.get(0);
        this.lbs = List.copyOf(lbs);
        this.workerWar = workerWar;
        this.workerSettings = Map.copyOf(workerSettings);
        this.options = o;
        for (int i = 0; i < o.workers(); i++) {
            addWorker();
        }
    }

    private Server startProxy(int port, Map<String, String> settings) throws Exception {
        Server server = server("proxy", 200, port);
        ((ServerConnector) server.getConnectors()[0]).open();
        Map<String, String> params = new java.util.HashMap<>(baseProxyParams);
        params.putAll(settings);
        server.setHandler(webapp(proxyWar, params));
        server.start();
        return server;
    }

    /**
     * Redeploys the load balancer: stops it and starts a fresh one (a new
     * Jetty server and a fresh proxy WAR, knowing no worker) on the same port,
     * with the demo's settings and {@code settings} (those given to the
     * constructor are not kept). The workers keep running; they are back in
     * its pool when they next push (see {@link #awaitWorkers}).
     */
    public synchronized void restartProxy(Map<String, String> settings) throws Exception {
        proxy.stop();
        proxy = startProxy(proxyPort, settings);
    }

    /** Starts one more worker (cold cache) that joins the load balancer; returns its name. */
    public synchronized String addWorker() throws Exception {
        String name = startWorker(String.join(",", lbs));
        joiningWorkers++;
        return name;
    }

    /**
     * Starts one more worker exactly like {@link #addWorker} but with no load
     * balancer to push to ({@code lb} blank), so it never joins: the cost of
     * deploying a worker in this JVM without its effect on the pool, for a
     * control run beside a join.
     */
    public synchronized String addDetachedWorker() throws Exception {
        return startWorker("");
    }

    private String startWorker(String lbUrl) throws Exception {
        String name = "worker" + (workers.size() + 1);
        Server worker = server(name, 64);
        ServerConnector c = (ServerConnector) worker.getConnectors()[0];
        c.open();
        String url = "http://127.0.0.1:" + c.getLocalPort();
        DemoOptions o = options;
        Map<String, String> params = new java.util.HashMap<>(workerSettings);
        params.putAll(Map.of(
                "lb", lbUrl, "workerUrl", url, "secret", SECRET,
                "newsroom.worker", name,
                "newsroom.objectsPerSite", Integer.toString(o.objectsPerSite()),
                "newsroom.objectsPerRequest", Integer.toString(o.objectsPerRequest()),
                "newsroom.cacheObjects", Long.toString(o.cacheObjects()),
                "newsroom.missMicros", Long.toString(o.missMicros())));
        worker.setHandler(webapp(workerWar, params));
        worker.start();
        workers.add(worker);
        workerUrls.add(url);
        return name;
    }

    /**
     * CPU time used so far by the proxy's threads (its Jetty server's pool, which
     * also runs the proxy's HTTP client), in nanoseconds.
     */
    public long proxyCpuNanos() {
        return cpuNanos("proxy-");
    }

    /** CPU time so far of the live threads whose names start with {@code prefix} (a Jetty server's pool), in nanoseconds. */
    public static long cpuNanos(String prefix) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                total += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return total;
    }

    /**
     * An embedded Jetty server on a loopback ephemeral port whose pool's threads
     * are named {@code <name>-…} (see {@link #cpuNanos}).
     */
    public static Server server(String name, int maxThreads) {
        return server(name, maxThreads, 0);
    }

    private static Server server(String name, int maxThreads, int port) {
        QueuedThreadPool threads = new QueuedThreadPool(maxThreads);
        threads.setName(name);
        // Idle threads stay (10 min) so that per-thread CPU time is not lost mid-measurement.
        threads.setIdleTimeout(600_000);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setStopTimeout(2_000);
        return server;
    }

    private static WebAppContext webapp(Path war, Map<String, String> contextParams) {
        WebAppContext app = new WebAppContext();
        app.setContextPath("/");
        app.setWar(war.toAbsolutePath().toString());
        contextParams.forEach(app::setInitParameter);
        app.setThrowUnavailableOnStartupException(true);
        // The webapps log through this JVM's SLF4J provider, like in a Jetty distribution with logging configured.
        app.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
        return app;
    }

    public String proxyUrl() {
        return lb;
    }

    /** Every load balancer's URL, the first one {@link #proxyUrl()}'s. */
    public List<String> proxyUrls() {
        return lbs;
    }

    public List<String> workerUrls() {
        return List.copyOf(workerUrls);
    }

    /**
     * How many workers the load balancer has accepted so far, read from its
     * public status ({@code GET /_resumelb/status}, answered on loopback).
     * Live workers are those listed as {@code active} or {@code standby};
     * departed ones ({@code draining}, {@code ejected}, {@code expired}) are not
     * counted. This module has no JSON library on its class path, so the
     * states are counted in the text: the status is written by Jackson, which
     * escapes every quote inside a string, so {@code "state":"active"} can only
     * be a worker's field, never part of a name ({@code classes=0} leaves out
     * the class list anyway).
     */
    public int workersKnown() {
        return workersKnown(lb);
    }

    private int workersKnown(String loadBalancer) {
        return (int) LIVE_STATE.matcher(status(loadBalancer, "classes=0")).results().count();
    }

    /** The load balancer's status ({@code GET /_resumelb/status?<query>}) as JSON text. */
    public String status(String query) {
        return status(lb, query);
    }

    private String status(String loadBalancer, String query) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(loadBalancer + "/_resumelb/status?" + query))
                .timeout(Duration.ofSeconds(10)).GET().build();
        HttpResponse<String> response;
        try {
            response = status.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the load balancer's status at " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + request.uri(), e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(request.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /** Waits (at most {@code millis}) until every worker that pushes to the load balancers is in each one's pool. */
    public void awaitWorkers(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        for (String loadBalancer : lbs) {
            while (workersKnown(loadBalancer) < joiningWorkers) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("only " + workersKnown(loadBalancer) + " of " + joiningWorkers
                            + " workers joined the load balancer " + loadBalancer);
                }
                Thread.sleep(50);
            }
        }
    }

    @Override
    public synchronized void close() throws Exception {
        for (Server w : workers) {
            w.stop();
        }
        for (Server p : otherProxies) {
            p.stop();
        }
        proxy.stop();
    }
}
