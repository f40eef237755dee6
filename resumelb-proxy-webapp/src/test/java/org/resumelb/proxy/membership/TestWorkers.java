package org.resumelb.proxy.membership;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.resumelb.proxy.Await;
import org.resumelb.proxy.TestCertificates;

/**
 * What the membership tests share: stand-ins for a worker's container
 * (embedded Jetty on loopback answering every request with one status, over
 * http or TLS), the run of several threads pushing and ejecting at once, and
 * waiting for a condition. An instance holds the servers one test started and
 * is used from that test's thread only; {@link #close} stops them.
 */
final class TestWorkers implements AutoCloseable {

    private final List<Server> servers = new ArrayList<>();

    /**
     * Starts {@code server} on its {@code connector}, answering every request
     * with {@code status}; returns {@code <scheme>://127.0.0.1:<port>}.
     */
    String start(Server server, ServerConnector connector, int status, String scheme) throws Exception {
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, Response response, org.eclipse.jetty.util.Callback callback) {
                response.setStatus(status);
                callback.succeeded();
                return true;
            }
        });
        server.start();
        servers.add(server);
        return scheme + "://127.0.0.1:" + connector.getLocalPort();
    }

    /** A server answering 200 over TLS on {@code port} (0: any) with the certificate of {@code keyStore}; returns its https URL. */
    String https(TestCertificates certs, Path keyStore, int port) throws Exception {
        Server server = new Server();
        ServerConnector connector = certs.tlsConnector(server, keyStore);
        connector.setPort(port);
        return start(server, connector, 200, "https");
    }

    /** Stops every server this started. */
    @Override
    public void close() throws Exception {
        for (Server s : servers) {
            s.stop();
        }
        servers.clear();
    }

    /** One round of a thread in {@link #concurrently}. */
    interface Round {
        void run(int thread, int round) throws Exception;
    }

    /**
     * Runs {@code rounds} rounds on each of {@code threads} threads, all let go
     * at once, each pausing 5 ms every 50 rounds; returns when all are done and
     * throws what any of them threw.
     */
    static void concurrently(int threads, int rounds, Round round) throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                done.add(executor.submit(() -> {
                    go.await();
                    for (int i = 0; i < rounds; i++) {
                        round.run(me, i);
                        if (i % 50 == 0) {
                            Thread.sleep(5);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            executor.shutdown();
        }
    }

    /** Waits up to 15 s for {@code condition}, checking every 10 ms; throws naming {@code what} when it does not hold by then. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Await.until(what, Duration.ofSeconds(15), condition);
    }

    /** A port free on 127.0.0.1 now. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
