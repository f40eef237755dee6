package org.resumelb.it;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ClassMatcher;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The real proxy WAR deployed in embedded Jetty on a loopback port, configured
 * only through context-params. Its pool is read as an operator reads it, from
 * its public status ({@link ProxyStatus}).
 */
final class ProxyNode implements AutoCloseable {

    private final Server server;
    private final int port;

    ProxyNode(int port, Map<String, String> params) throws Exception {
        this(port, params, null);
    }

    /** With {@code extraClasspath} (jars, comma-separated) added to the WAR as if they were in its {@code WEB-INF/lib}. */
    ProxyNode(int port, Map<String, String> params, String extraClasspath) throws Exception {
        server = new Server(new QueuedThreadPool(200));
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setShutdownIdleTimeout(100); // keep-alive connections end at stop without waiting for the stop timeout
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        WebAppContext app = new WebAppContext();
        app.setContextPath("/");
        app.setWar(It.war("resumelb-proxy-webapp").toString());
        Map<String, String> all = new HashMap<>(Map.of("secret", It.SECRET, "queueTimeout", "5s", "timeout", "15s"));
        all.putAll(params);
        all.forEach(app::setInitParameter);
        if (extraClasspath != null) {
            app.setExtraClasspath(extraClasspath);
        }
        app.setThrowUnavailableOnStartupException(true);
        app.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
        server.setHandler(app);
        server.setStopTimeout(1000);
        try {
            server.start();
        } catch (Exception | Error e) {
            server.stop(); // a deployment that failed leaves no connector or thread behind
            throw e;
        }
        this.port = connector.getLocalPort();
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /** The proxy's public status, without the class list. */
    private ProxyStatus status() {
        return ProxyStatus.read(url());
    }

    /** URLs of the workers in the pool. */
    Set<String> liveWorkers() {
        return status().liveWorkers();
    }

    /** Departed workers and why (DRAINING, EJECTED, EXPIRED). */
    Map<String, String> departed() {
        return status().departed();
    }

    /** Worker URL to its résumé, as the pool has it (scores exact). */
    Map<String, Map<String, Double>> skills() {
        return ProxyStatus.withResumes(url()).resumes();
    }

    /** The pool's state as the status shows it, without what moves by itself (see {@link ProxyStatus#poolState}). */
    JsonNode poolState() {
        return ProxyStatus.full(url()).poolState();
    }

    /** Rejected pushes by reason, as the receiver counts them. */
    Map<String, Long> rejected() {
        return status().rejected();
    }

    int backlog() {
        return status().backlog();
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

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
