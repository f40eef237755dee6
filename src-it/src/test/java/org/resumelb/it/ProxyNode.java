package org.resumelb.it;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ClassMatcher;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The real proxy WAR deployed in embedded Jetty on a loopback port, configured
 * only through context-params. Its pool is read through the deployed webapp's
 * own objects (reflection: they live in the webapp's class loader).
 */
final class ProxyNode implements AutoCloseable {

    private final Server server;
    private final WebAppContext app;
    private final int port;

    ProxyNode(int port, Map<String, String> params) throws Exception {
        server = new Server(new QueuedThreadPool(200));
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        app = new WebAppContext();
        app.setContextPath("/");
        app.setWar(It.war("resumelb-proxy-webapp").toString());
        Map<String, String> all = new HashMap<>(Map.of("secret", It.SECRET, "queueTimeout", "5s", "timeout", "15s"));
        all.putAll(params);
        all.forEach(app::setInitParameter);
        app.setThrowUnavailableOnStartupException(true);
        app.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
        server.setHandler(app);
        server.setStopTimeout(1000);
        server.start();
        this.port = connector.getLocalPort();
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    private Object directory() {
        Object d = app.getServletContext().getAttribute("org.resumelb.proxy.WorkerDirectory");
        if (d == null) {
            throw new IllegalStateException("proxy not started");
        }
        return d;
    }

    /** URLs of the workers in the pool. */
    Set<String> liveWorkers() {
        return new TreeSet<>(((Map<?, ?>) It.call(directory(), "live")).keySet().stream().map(String::valueOf).toList());
    }

    /** Departed workers and why (DRAINING, EJECTED, EXPIRED). */
    Map<String, String> departed() {
        Map<String, String> out = new TreeMap<>();
        ((Map<?, ?>) It.call(directory(), "departed")).forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }

    Object pool() {
        return It.call(directory(), "pool");
    }

    /** The pool's snapshot (a record of the webapp's class loader: compare with equals, print with toString). */
    Object snapshot() {
        return It.call(pool(), "snapshot");
    }

    /** Worker URL to its skills, as the pool has them. */
    Map<String, Map<String, Double>> skills() {
        Map<String, Map<String, Double>> out = new TreeMap<>();
        for (Object w : (List<?>) It.call(snapshot(), "workers")) {
            @SuppressWarnings("unchecked")
            Map<String, Double> skills = (Map<String, Double>) It.call(w, "skills");
            out.put((String) It.call(w, "url"), skills);
        }
        return out;
    }

    /** Rejected pushes by reason, as the receiver counts them. */
    Map<String, Long> rejected() {
        Object receiver = app.getServletContext().getAttribute("org.resumelb.proxy.ResumeReceiver");
        Map<String, Long> out = new TreeMap<>();
        ((Map<?, ?>) It.call(receiver, "rejected")).forEach((k, v) -> out.put(String.valueOf(k), ((Number) v).longValue()));
        return out;
    }

    int backlog() {
        return (Integer) It.call(pool(), "backlog");
    }

    /**
     * The backlog once the last responses' releases have run (bounded wait): a
     * client may read a whole response a moment before the proxy's completion
     * callback releases the worker.
     */
    int settledBacklog() {
        long deadline = System.currentTimeMillis() + 2_000;
        int b;
        while ((b = backlog()) != 0 && System.currentTimeMillis() < deadline) {
            It.sleep(10);
        }
        return b;
    }

    /** Waits (bounded) until exactly these workers are live; returns the milliseconds waited. */
    long awaitWorkers(Set<String> urls, long timeoutMillis) {
        long start = System.nanoTime();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!liveWorkers().equals(new TreeSet<>(urls))) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("live workers " + liveWorkers() + ", expected " + urls);
            }
            It.sleep(10);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
