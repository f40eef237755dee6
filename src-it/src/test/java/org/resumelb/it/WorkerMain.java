package org.resumelb.it;

import java.nio.file.Path;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ClassMatcher;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A worker process: embedded Jetty on a loopback port deploying the real
 * newsroom WAR, whose ResumeLB filter pushes to the given load balancers.
 * Prints {@code READY <port>} when it serves. Arguments: port, name,
 * comma-separated load balancer URLs (empty: no {@code lb} setting at all), path of the WAR;
 * {@code -Dit.extraClasspath} adds jars to the webapp as if they were in its {@code WEB-INF/lib}. The secret comes from
 * the environment ({@code RESUMELB_SECRET}), as an operator would give it.
 */
public final class WorkerMain {

    private WorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String name = args[1];
        String lbs = args[2];
        Path war = Path.of(args[3]);
        Server server = new Server(new QueuedThreadPool(100));
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        connector.open();
        int actual = connector.getLocalPort();
        WebAppContext app = new WebAppContext();
        app.setContextPath("/");
        app.setWar(war.toString());
        if (!lbs.isEmpty()) {
            app.setInitParameter("lb", lbs);
        }
        String extra = System.getProperty("it.extraClasspath");
        if (extra != null) {
            app.setExtraClasspath(extra); // a jar an operator drops into WEB-INF/lib
        }
        app.setInitParameter("workerUrl", "http://127.0.0.1:" + actual);
        app.setInitParameter("newsroom.worker", name);
        app.setInitParameter("newsroom.objectsPerSite", "200");
        app.setInitParameter("newsroom.objectsPerRequest", "5");
        app.setInitParameter("newsroom.cacheObjects", "2000");
        app.setInitParameter("newsroom.missMicros", "200");
        app.setThrowUnavailableOnStartupException(true);
        app.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
        server.setHandler(app);
        server.setStopAtShutdown(true);
        server.setStopTimeout(5_000);
        try {
            server.start();
        } catch (Exception e) {
            e.printStackTrace(System.out);
            System.exit(1); // a webapp that failed to deploy: the process ends, its log says why
        }
        System.out.println("READY " + actual);
        System.out.flush();
        server.join();
    }
}
