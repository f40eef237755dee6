package org.resumelb.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ClassMatcher;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The ResumeLB load balancer as its own process: embedded Jetty (200 threads
 * and one connector with Jetty's defaults, as a Jetty distribution would have)
 * on loopback deploying the unmodified proxy WAR as the root webapp. Its
 * settings come from the environment ({@code RESUMELB_*}) and system
 * properties ({@code -Dresumelb.*}), as the README documents. Prints
 * {@code READY <port>} once it serves.
 *
 * <p>Arguments: the WAR's path, then the port (0: any free one).
 */
public final class PeerProxyMain {

    private PeerProxyMain() {
    }

    public static void main(String[] args) throws Exception {
        Path war = Path.of(args[0]);
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException("missing " + war + ": build with mvn -B -q -DskipTests -pl benchmarks -am -Ppeers package");
        }
        QueuedThreadPool threads = new QueuedThreadPool(200);
        threads.setName("proxy");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        WebAppContext app = new WebAppContext();
        app.setContextPath("/");
        app.setWar(war.toAbsolutePath().toString());
        app.setThrowUnavailableOnStartupException(true);
        app.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
        server.setHandler(app);
        server.setStopAtShutdown(true);
        server.setStopTimeout(3_000);
        server.start();
        System.out.println("READY " + connector.getLocalPort());
        System.out.flush();
        server.join();
    }
}
