package org.resumelb.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ClassMatcher;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;

/**
 * A worker process for the peers benchmarks: embedded Jetty on loopback.
 * Prints {@code READY <port>} when it serves.
 *
 * <ul>
 * <li>Newsroom (default): the real newsroom WAR, whose ResumeLB filter pushes
 *     résumés to {@code --lb} when given (the secret from {@code RESUMELB_SECRET},
 *     as an operator would give it) and pushes nothing without it (the filter
 *     then only times requests). The workload comes from
 *     {@code -Dnewsroom.<name>} system properties, which the servlet reads first.</li>
 * <li>{@code --trivial true}: the 128-byte answer of {@link ProxyOverhead.Trivial},
 *     no filter; with {@code --lb}, it pushes a signed résumé every 5 s
 *     listing {@code site-0.news} … {@code site-49.news}, as ProxyOverhead does once.</li>
 * </ul>
 *
 * <p>Flags: {@code --name N --war PATH --port P --lb URL --trivial true|false}.
 */
public final class PeerWorkerMain {

    private PeerWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = ProxyOverhead.flags(args);
        String name = flags.getOrDefault("name", "worker");
        int port = Integer.parseInt(flags.getOrDefault("port", "0"));
        String lb = flags.get("lb");
        boolean trivial = Boolean.parseBoolean(flags.getOrDefault("trivial", "false"));
        QueuedThreadPool threads = new QueuedThreadPool(100);
        threads.setName(name);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        connector.open();
        String url = "http://127.0.0.1:" + connector.getLocalPort();
        if (trivial) {
            ServletContextHandler app = new ServletContextHandler("/");
            app.addServlet(new ServletHolder(new ProxyOverhead.Trivial()), "/*");
            server.setHandler(app);
        } else {
            Path war = Path.of(flags.getOrDefault("war", "benchmarks/target/wars/newsroom-worker.war"));
            if (!Files.isRegularFile(war)) {
                throw new IllegalStateException("missing " + war + ": build with mvn -B -q -DskipTests -pl benchmarks -am -Ppeers package");
            }
            WebAppContext app = new WebAppContext();
            app.setContextPath("/");
            app.setWar(war.toAbsolutePath().toString());
            if (lb != null) {
                app.setInitParameter("lb", lb);
                app.setInitParameter("workerUrl", url);
            }
            app.setInitParameter("newsroom.worker", name);
            app.setThrowUnavailableOnStartupException(true);
            app.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
            server.setHandler(app);
        }
        server.setStopAtShutdown(true);
        server.setStopTimeout(3_000);
        server.start();
        if (trivial && lb != null) {
            pushForever(lb, url, name);
        }
        System.out.println("READY " + connector.getLocalPort());
        System.out.flush();
        server.join();
    }

    /** Pushes a signed résumé of 50 classes now and every 5 s (a daemon thread). */
    private static void pushForever(String lb, String url, String name) throws Exception {
        String secret = System.getenv("RESUMELB_SECRET");
        if (secret == null) {
            throw new IllegalStateException("RESUMELB_SECRET is not set: the trivial worker signs its résumé with it");
        }
        Map<String, Double> skills = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            skills.put("site-" + i + ".news", 100.0);
        }
        ResumeCodec codec = new ResumeCodec(ResumeLimits.DEFAULT);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long[] seq = {0};
        Runnable push = () -> {
            try {
                byte[] body = codec.encode(new Resume(url, name + "#1", "1", ++seq[0], System.currentTimeMillis(), false, skills));
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(lb + Protocol.resumesPath(Protocol.DEFAULT_PREFIX)))
                        .timeout(Duration.ofSeconds(5))
                        .header("Content-Type", "application/json")
                        .header(Protocol.SIGNATURE_HEADER, Protocol.sign(secret.getBytes(StandardCharsets.UTF_8), body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 204) {
                    System.out.println("push answered " + r.statusCode() + ": " + r.body());
                }
            } catch (Exception e) {
                System.out.println("push failed: " + e);
            }
        };
        push.run();
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException e) {
                    return;
                }
                push.run();
            }
        }, "push");
        t.setDaemon(true);
        t.start();
    }
}
