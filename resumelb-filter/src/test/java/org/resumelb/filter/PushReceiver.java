package org.resumelb.filter;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP endpoint on loopback standing in for a load balancer: it records
 * every push (body and signature) and answers 204, or 503 while "down".
 */
final class PushReceiver implements AutoCloseable {

    record Push(byte[] body, String signature, long atNanos) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final List<Push> pushes = new ArrayList<>();
    private volatile boolean down;
    private int refusedWhileDown;

    PushReceiver() throws IOException {
        this("/_resumelb");
    }

    /** A load balancer whose endpoints are under {@code prefix}: it receives at {@code {prefix}/resumes}. */
    PushReceiver(String prefix) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext(prefix + "/resumes", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (down) {
                synchronized (this) {
                    refusedWhileDown++;
                }
                exchange.sendResponseHeaders(503, -1);
            } else {
                synchronized (this) {
                    pushes.add(new Push(body, exchange.getRequestHeaders().getFirst("X-ResumeLB-Signature"), System.nanoTime()));
                    notifyAll();
                }
                exchange.sendResponseHeaders(204, -1);
            }
            exchange.close();
        });
        server.setExecutor(executor);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void down(boolean down) {
        this.down = down;
    }

    synchronized int refusedWhileDown() {
        return refusedWhileDown;
    }

    synchronized List<Push> pushes() {
        return List.copyOf(pushes);
    }

    /** Waits (bounded) until at least {@code n} pushes arrived; returns them. */
    synchronized List<Push> awaitPushes(int n, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (pushes.size() < n) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return List.copyOf(pushes);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
