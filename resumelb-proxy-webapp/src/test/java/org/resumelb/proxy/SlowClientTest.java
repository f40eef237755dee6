package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Slow clients against the proxy in embedded Jetty, over raw sockets so the
 * test controls every byte: bodies are read whole before a worker is chosen,
 * silent or too slow uploaders get 408, and a worker's answer is taken from
 * it while the client has not read a byte.
 */
class SlowClientTest {

    Cluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    void start(Map<String, String> params) throws Exception {
        cluster = new Cluster(params);
        cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
    }

    Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", Integer.parseInt(cluster.proxyUrl().substring(cluster.proxyUrl().lastIndexOf(':') + 1)));
        s.setSoTimeout(20_000);
        return s;
    }

    static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** The whole answer up to the end of the connection or of its Content-Length body. */
    static String answer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        try {
            for (int n; (n = in.read(b)) >= 0; ) {
                all.write(b, 0, n);
                String text = all.toString(StandardCharsets.ISO_8859_1);
                int end = text.indexOf("\r\n\r\n");
                int cl = text.toLowerCase().indexOf("content-length: ");
                if (end > 0 && cl > 0 && cl < end) {
                    long length = Long.parseLong(text.substring(cl + 16, text.indexOf("\r\n", cl)).trim());
                    if (all.size() >= end + 4 + length) {
                        break;
                    }
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no complete answer within 20 s: " + all.toString(StandardCharsets.ISO_8859_1), e);
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    int backlog() {
        return cluster.loadBalancer().pool().backlog();
    }

    @Test
    void aBodyIsReadWholeBeforeAWorkerIsChosen() throws Exception {
        start(Map.of());
        try (Socket s = connect()) {
            send(s, "POST /app/upload HTTP/1.1\r\nHost: a.example\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(500));
            Thread.sleep(500);
            assertEquals(0, backlog(), "half a body holds no worker");
            send(s, "y".repeat(500));
            String answer = answer(s);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.contains("body=1000"), "the worker got the whole body: " + answer);
        }
        // The client can read the whole answer a moment before the proxy's completion callback ends the lease.
        long deadline = System.currentTimeMillis() + 5_000;
        while (cluster.loadBalancer().router().inFlight() != 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, cluster.loadBalancer().router().inFlight());
    }

    @Test
    void anUploaderSilentForClientBodyTimeoutGets408AndNoWorkerHearsOfIt() throws Exception {
        start(Map.of("clientBodyTimeout", "300ms"));
        long start = System.nanoTime();
        try (Socket s = connect()) {
            send(s, "POST /app/upload HTTP/1.1\r\nHost: a.example\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(10));
            String answer = answer(s);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("clientBodyTimeout"), answer);
            assertTrue(millis >= 300, "not before the timeout: " + millis + " ms");
        }
        assertEquals(0, cluster.loadBalancer().metrics().requestsTotal(), "no request reached a worker");
    }

    @Test
    void anUploaderBelowMinClientDataRateGets408() throws Exception {
        start(Map.of("minClientDataRate", "1000"));
        try (Socket s = connect()) {
            send(s, "POST /app/upload HTTP/1.1\r\nHost: a.example\r\nContent-Length: 100000\r\n\r\n");
            String answer = null;
            s.setSoTimeout(200);
            for (int i = 0; i < 100 && answer == null; i++) { // one byte each 200 ms: 5 bytes/s, for at most 20 s
                try {
                    send(s, "x");
                } catch (IOException closed) {
                    break;
                }
                try {
                    int b = s.getInputStream().read();
                    if (b >= 0) {
                        s.setSoTimeout(20_000);
                        answer = (char) b + answer(s);
                    }
                } catch (SocketTimeoutException notYet) {
                    // keep trickling
                }
            }
            assertTrue(answer != null && answer.startsWith("HTTP/1.1 408"), String.valueOf(answer));
            assertTrue(answer.contains("minClientDataRate"), answer);
        }
    }

    @Test
    void aBodyWithoutLengthLargerThanRequestBufferGets413() throws Exception {
        start(Map.of("requestBuffer", "1k"));
        try (Socket s = connect()) {
            String chunk = Integer.toHexString(2048) + "\r\n" + "x".repeat(2048) + "\r\n";
            send(s, "POST /app/upload HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + "0\r\n\r\n");
            String answer = answer(s);
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.contains("requestBuffer"), answer);
        }
        assertEquals(0, cluster.loadBalancer().metrics().requestsTotal());
    }

    @Test
    void aChunkedBodyWithinRequestBufferIsForwardedWhole() throws Exception {
        start(Map.of("requestBuffer", "4k"));
        try (Socket s = connect()) {
            String chunk = Integer.toHexString(1500) + "\r\n" + "x".repeat(1500) + "\r\n";
            send(s, "POST /app/upload HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + "0\r\n\r\n");
            String answer = answer(s);
            assertTrue(answer.startsWith("HTTP/1.1 200") && answer.contains("body=3000"), answer);
        }
    }

    @Test
    void aWorkersAnswerIsTakenWhileTheClientReadsNothing() throws Exception {
        start(Map.of());
        try (Socket s = connect()) {
            s.setReceiveBufferSize(4096);
            send(s, "GET /app/big?bytes=200000 HTTP/1.1\r\nHost: a.example\r\n\r\n");
            long deadline = System.currentTimeMillis() + 10_000;
            while (backlog() != 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, backlog(), "the worker is done and released while its answer waits at the proxy");
            String answer = answer(s);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer.substring(0, Math.min(200, answer.length())));
            assertEquals(200_000, answer.length() - answer.indexOf("\r\n\r\n") - 4, "every byte arrives");
        }
    }

    @Test
    void aClientGoneMidAnswerIsNotTheWorkersFailure() throws Exception {
        start(Map.of("responseBuffer", "16k"));
        for (int i = 0; i < 3; i++) {
            try (Socket s = connect()) {
                send(s, "GET /app/big?bytes=8000000 HTTP/1.1\r\nHost: a.example\r\n\r\n");
                s.getInputStream().readNBytes(1000); // a little, then gone
            }
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (backlog() != 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, backlog(), "every lease ended");
        assertEquals(0, cluster.directory().ejections(), "a client that goes away never ejects the worker");
        assertEquals(1, cluster.loadBalancer().pool().size());
    }

    @Test
    void anAnswerLargerThanResponseBufferArrivesIntactThroughBackPressure() throws Exception {
        start(Map.of("responseBuffer", "16k"));
        try (Socket s = connect()) {
            send(s, "GET /app/big?bytes=4000000 HTTP/1.1\r\nHost: a.example\r\n\r\n");
            Thread.sleep(300); // the proxy fills its buffer and stops reading from the worker
            String answer = answer(s);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer.substring(0, Math.min(200, answer.length())));
            assertEquals(4_000_000, answer.length() - answer.indexOf("\r\n\r\n") - 4);
        }
        long deadline = System.currentTimeMillis() + 5_000;
        while (backlog() != 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, backlog());
    }
}
