package org.resumelb.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.resumelb.agent.load.LoadReport;

/**
 * The fixture of the integration tests: load balancers (the real proxy WAR in
 * embedded Jetty, {@link ProxyNode}, or in a real Jetty distribution), worker
 * JVMs ({@link WorkerProcess}) pushing their résumés to every one of them, one
 * HTTP client, and bounded load loops ({@link Load}). {@link #close()} stops
 * everything it started (loads, workers, proxies, client), whatever failed.
 *
 * <pre>
 * try (Fleet fleet = Fleet.start("w", 3, 64)) {    // one proxy, w1..w3 live in it
 *     Fleet.Load load = fleet.load(4, 60_000, 50_000, (thread, i) -&gt; "site-" + i % 30 + ".news");
 *     ...
 *     load.stop();                                  // load.requests(), errors(), latencies()
 * }
 * </pre>
 */
final class Fleet implements AutoCloseable {

    /** How long workers may take to appear in (or leave) every proxy's pool. */
    static final long JOIN_MILLIS = 30_000;
    /** The timeout of each request the fixture sends. */
    static final long REQUEST_SECONDS = 20;

    final HttpClient client;
    private final String workerPrefix;
    private final List<ProxyNode> proxies = new ArrayList<>();
    private final List<ContainerProcess> containerProxies = new ArrayList<>();
    private final List<String> lbs = new ArrayList<>();
    private final List<WorkerProcess> workers = new ArrayList<>();
    private final List<Load> loads = new ArrayList<>();
    private int named;

    /** No proxy and no worker yet; workers will be called {@code w1, w2, …}; the client's default 64 connections per destination. */
    Fleet() throws Exception {
        this("w", 64);
    }

    /** No proxy and no worker yet; workers will be called {@code <workerPrefix>1, 2, …}. */
    Fleet(String workerPrefix, int connectionsPerDestination) throws Exception {
        this.workerPrefix = workerPrefix;
        client = new HttpClient();
        client.setMaxConnectionsPerDestination(connectionsPerDestination);
        client.start();
    }

    /** One embedded proxy and {@code workers} worker JVMs, all of them live in its pool. */
    static Fleet start(String workerPrefix, int workers, int connectionsPerDestination) throws Exception {
        Fleet fleet = new Fleet(workerPrefix, connectionsPerDestination);
        try {
            fleet.addProxy(0);
            for (int i = 0; i < workers; i++) {
                fleet.addWorker();
            }
            fleet.awaitWorkers();
            return fleet;
        } catch (Throwable t) {
            fleet.closeAfter(t);
            throw t;
        }
    }

    /** Starts the proxy WAR in embedded Jetty ({@code port} 0: any); workers started from now on push to it. */
    ProxyNode addProxy(int port) throws Exception {
        return addProxy(port, Map.of());
    }

    /** {@link #addProxy(int)} with these settings (context-params) besides the fixture's own. */
    ProxyNode addProxy(int port, Map<String, String> settings) throws Exception {
        ProxyNode proxy = new ProxyNode(port, settings);
        proxies.add(proxy);
        lbs.add(proxy.url());
        return proxy;
    }

    /** {@link #addProxy(int, Map)} with jars added to the WAR as an operator adds them to {@code WEB-INF/lib}. */
    ProxyNode addProxy(int port, Map<String, String> settings, String extraClasspath) throws Exception {
        ProxyNode proxy = new ProxyNode(port, settings, extraClasspath);
        proxies.add(proxy);
        lbs.add(proxy.url());
        return proxy;
    }

    /** Every embedded proxy, in start order. */
    List<ProxyNode> proxies() {
        return List.copyOf(proxies);
    }

    /**
     * Starts one more worker JVM with no {@code lb} setting at all: it learns its load balancers otherwise
     * (ZooKeeper, through these JVM options).
     */
    WorkerProcess addUnlistedWorker(String... systemProperties) throws Exception {
        WorkerProcess w = WorkerProcess.start(workerPrefix + ++named, 0, List.of(), systemProperties);
        workers.add(w);
        return w;
    }

    /** Stops an embedded proxy (its workers keep pushing to its URL). */
    void stopProxy(ProxyNode proxy) throws Exception {
        proxies.remove(proxy);
        lbs.remove(proxy.url());
        proxy.close();
    }

    /** Starts the proxy WAR in its own JVM, in a real Jetty distribution, and waits (bounded) until it is deployed. */
    ContainerProcess addContainerProxy(String name, List<String> jvmOptions) throws Exception {
        ContainerProcess proxy = ContainerProcess.start(ContainerProcess.Kind.JETTY, name, It.freePort(),
                It.war("resumelb-proxy-webapp"), Map.of("RESUMELB_SECRET", It.SECRET), jvmOptions);
        containerProxies.add(proxy);
        lbs.add(proxy.url());
        proxy.awaitDeployed(client, "/_resumelb/resumes", 90_000);
        return proxy;
    }

    /** The first embedded proxy. */
    ProxyNode proxy() {
        return proxies.get(0);
    }

    /** The URL of the first proxy started. */
    String url() {
        return lbs.get(0);
    }

    /**
     * Starts one more worker JVM ({@code <prefix><n>}, any port) that pushes to every proxy started so far,
     * with these JVM options besides the fixture's (filter settings as {@code -Dresumelb.<name>=<value>}, newsroom
     * ones as {@code -Dnewsroom.cores=2}).
     */
    WorkerProcess addWorker(String... systemProperties) throws Exception {
        return start(workerPrefix + ++named, 0, systemProperties);
    }

    /** Starts a worker again, same name and port (after a kill). */
    WorkerProcess restart(WorkerProcess dead) throws Exception {
        return start(dead.name, dead.port);
    }

    private WorkerProcess start(String name, int port, String... systemProperties) throws Exception {
        WorkerProcess w = WorkerProcess.start(name, port, List.copyOf(lbs), systemProperties);
        workers.add(w);
        return w;
    }

    /** Every worker started, alive or not, in start order. */
    List<WorkerProcess> workers() {
        return List.copyOf(workers);
    }

    /** URLs of the workers whose JVM is alive. */
    Set<String> aliveUrls() {
        Set<String> urls = new TreeSet<>();
        workers.stream().filter(WorkerProcess::alive).forEach(w -> urls.add(w.url()));
        return urls;
    }

    /** Waits (bounded) until every proxy's live workers are exactly the alive worker JVMs; returns the milliseconds waited. */
    long awaitWorkers() {
        long start = System.nanoTime();
        for (String lb : lbs) {
            ProxyStatus.awaitWorkers(lb, aliveUrls(), JOIN_MILLIS);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** A request to the first proxy for {@code path} of site {@code host}. */
    Request request(String path, String host) {
        return request(url(), path, host);
    }

    Request request(String lb, String path, String host) {
        return client.newRequest(lb + path).headers(h -> h.put(HttpHeader.HOST, host)).timeout(REQUEST_SECONDS, TimeUnit.SECONDS);
    }

    /** {@code GET /article} of site {@code host} through the first proxy. */
    ContentResponse get(String host) throws Exception {
        return request("/article", host).send();
    }

    /** {@code GET /article} of site {@code host} through this proxy. */
    ContentResponse get(ProxyNode via, String host) throws Exception {
        return request(via.url(), "/article", host).send();
    }

    /** The worker that serves site {@code host} now (the newsroom names itself in {@code X-Worker}). */
    WorkerProcess serving(String host) throws Exception {
        String name = get(host).getHeaders().get("X-Worker");
        return workers.stream().filter(w -> w.name.equals(name) && w.alive()).findFirst()
                .orElseThrow(() -> new AssertionError(host + " served by " + name + ", not one of " + workers));
    }

    /**
     * Waits until the worker at {@code workerUrl} itself counts {@code n} requests in flight besides the one asking (a request that
     * names a class is told the worker's load, {@code X-ResumeLB-Load}): a proxy counts a request when it forwards
     * it, the worker when it arrives. Returns the count (at least {@code n}); fails after {@code timeoutMillis}.
     */
    int awaitAtWorker(String workerUrl, int n, long timeoutMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        int atWorker = 0;
        while (System.nanoTime() < deadline) {
            ContentResponse direct = client.newRequest(workerUrl + "/").headers(h -> h.put("X-ResumeLB-Class", "direct"))
                    .timeout(5, TimeUnit.SECONDS).send();
            LoadReport load = LoadReport.parse(direct.getHeaders().get("X-ResumeLB-Load"));
            atWorker = load == null ? 0 : load.inFlight() - 1;
            if (atWorker >= n) {
                return atWorker;
            }
            It.sleep(10);
        }
        throw new AssertionError(workerUrl + " has " + atWorker + " requests in flight, not " + n + ", after " + timeoutMillis + " ms");
    }

    /** Sends a POST (e.g. {@code /comments?delay=2000}) through the first proxy without waiting for the answer; timeout 30 s. */
    CompletableFuture<ContentResponse> post(String pathAndQuery, String host, String body) {
        return new CompletableResponseListener(request(pathAndQuery, host).method("POST").body(new StringRequestContent(body))
                .timeout(30, TimeUnit.SECONDS)).send();
    }

    /** What site a load thread asks for at its {@code i}-th request. */
    interface Sites {
        String host(int thread, int i);
    }

    /**
     * Starts {@code threads} client threads, each sending {@code GET /article}
     * through the first proxy one after the other, at most {@code maxPerThread}
     * requests and for at most {@code maxMillis}; stopped by {@link Load#stop()}
     * or by {@link #close()}.
     */
    Load load(int threads, long maxMillis, int maxPerThread, Sites sites) {
        return load(url(), threads, maxMillis, maxPerThread, sites);
    }

    /** {@link #load(int, long, int, Sites)} through this proxy. */
    Load load(ProxyNode via, int threads, long maxMillis, int maxPerThread, Sites sites) {
        return load(via.url(), threads, maxMillis, maxPerThread, sites);
    }

    private Load load(String lb, int threads, long maxMillis, int maxPerThread, Sites sites) {
        Load load = new Load(lb, threads, maxMillis, maxPerThread, sites);
        loads.add(load);
        return load;
    }

    /** Client threads under a bound of count and time, counting requests, errors and latencies. */
    final class Load {

        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong requests = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private final Recorder micros = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        private final ExecutorService pool;
        private final List<Future<?>> loops = new ArrayList<>();
        private final long maxMillis;
        private Histogram latencies;

        private Load(String lb, int threads, long maxMillis, int maxPerThread, Sites sites) {
            this.maxMillis = maxMillis;
            pool = Executors.newFixedThreadPool(threads);
            long end = System.currentTimeMillis() + maxMillis;
            for (int t = 0; t < threads; t++) {
                int thread = t;
                loops.add(pool.submit(() -> {
                    for (int i = 0; i < maxPerThread && running.get() && System.currentTimeMillis() < end; i++) {
                        String site = sites.host(thread, i);
                        long t0 = System.nanoTime();
                        String error = null;
                        try {
                            ContentResponse r = request(lb, "/article", site).send();
                            if (r.getStatus() != 200) {
                                error = r.getStatus() + " " + r.getContentAsString();
                            }
                        } catch (Exception e) {
                            error = e.toString();
                        }
                        micros.recordValue(Math.min(TimeUnit.SECONDS.toMicros(60), Math.max(1, (System.nanoTime() - t0) / 1000)));
                        if (error != null && errors.incrementAndGet() <= 20) {
                            System.out.println("error: " + site + " " + error);
                        }
                        requests.incrementAndGet();
                    }
                    return null;
                }));
            }
        }

        /**
         * Waits until every loop has ended by itself, at its count or time bound (and its last
         * request's timeout), then {@link #stop()}s.
         */
        Load finish() throws Exception {
            long deadline = System.currentTimeMillis() + maxMillis + TimeUnit.SECONDS.toMillis(REQUEST_SECONDS + 10);
            for (Future<?> f : loops) {
                f.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            }
            return stop();
        }

        /** Stops the loops and waits (60 s at most each) until their last requests are answered. Idempotent. */
        Load stop() throws Exception {
            running.set(false);
            try {
                for (Future<?> f : loops) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
                if (latencies == null) {
                    latencies = micros.getIntervalHistogram();
                }
            }
            return this;
        }

        long requests() {
            return requests.get();
        }

        long errors() {
            return errors.get();
        }

        /** Every request's latency in microseconds (errors included); after {@link #stop()}. */
        Histogram latencies() {
            if (latencies == null) {
                throw new IllegalStateException("stop the load first");
            }
            return latencies;
        }

        /** Requests, errors and latencies in one line; after {@link #stop()}. */
        String summary() {
            return String.format(java.util.Locale.ROOT, "%d GETs, %d errors, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms", requests(),
                    errors(), latencies().getValueAtPercentile(50) / 1000.0, latencies().getValueAtPercentile(99) / 1000.0,
                    latencies().getMaxValue() / 1000.0);
        }
    }

    @Override
    public void close() throws Exception {
        closeAfter(null);
    }

    /** Stops everything, each step even if an earlier one failed; the first failure is thrown (or added to {@code cause}). */
    private void closeAfter(Throwable cause) throws Exception {
        Exception first = null;
        List<AutoCloseable> steps = new ArrayList<>();
        loads.forEach(l -> steps.add(l::stop));
        steps.addAll(workers);
        steps.addAll(proxies);
        steps.addAll(containerProxies);
        steps.add(client::stop);
        for (AutoCloseable step : steps) {
            try {
                step.close();
            } catch (Exception e) {
                if (cause != null) {
                    cause.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
