package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that abuse the proxy: a 256 MB upload through a proxy whose whole
 * heap is 64 MB (it must stream, not buffer), and a client that trickles its
 * upload while others are served normally.
 */
class ClientAbuseIT {

    static final long UPLOAD = 256L * 1024 * 1024;
    /** GETs served while the slow client trickles, one 1 KB chunk before each. */
    static final int GETS = 30;

    Fleet fleet;
    HttpClient client;
    WorkerProcess worker;

    @BeforeEach
    void start() throws Exception {
        fleet = new Fleet("abuse-w", 64);
        client = fleet.client;
        fleet.addContainerProxy("abuse-proxy", List.of("-Xmx64m"));
        worker = fleet.addWorker();
        fleet.awaitWorkers();
    }

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    ContentResponse get(String host) throws Exception {
        return fleet.request("/page", host).timeout(30, TimeUnit.SECONDS).send();
    }

    /** Zeros, {@code size} bytes of them, never held in memory. */
    static InputStream zeros(long size) {
        return new InputStream() {
            long left = size;

            @Override
            public int read() {
                if (left <= 0) {
                    return -1;
                }
                left--;
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
    }

    @Test
    void aLargeUploadStreamsThroughASmallHeap() throws Exception {
        long start = System.nanoTime();
        ContentResponse r = client.POST(fleet.url() + "/upload")
                .headers(h -> h.put(HttpHeader.HOST, "uploads.example"))
                .body(new InputStreamRequestContent("application/octet-stream", zeros(UPLOAD)) {
                    @Override
                    public long getLength() {
                        return UPLOAD;
                    }
                })
                .timeout(180, TimeUnit.SECONDS)
                .send();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("256 MB upload through a proxy with a 64 MB heap: status %d, worker received %s bytes, %.1f s (%.0f MB/s)%n",
                r.getStatus(), r.getHeaders().get("X-Received-Bytes"), seconds, 256 / seconds);
        assertEquals(200, r.getStatus(), r.getContentAsString());
        assertEquals(Long.toString(UPLOAD), r.getHeaders().get("X-Received-Bytes"));
        assertEquals(200, get("after-upload.example").getStatus(), "the proxy is still healthy");
    }

    @Test
    void spoofedInternalHeadersNeverReachTheWorker() throws Exception {
        for (int i = 0; i < 20; i++) {
            var r = fleet.request("/page", "real.example")
                    .headers(h -> h.put("X-ResumeLB-Class", "spoofed-class")
                            .put("X-ResumeLB-Signature", "v1=00"))
                    .timeout(30, TimeUnit.SECONDS).send();
            assertEquals(200, r.getStatus());
        }
        // Had the client's class header reached the worker, its filter would have timed "spoofed-class".
        var resume = new org.resumelb.agent.resume.ResumeCodec(org.resumelb.agent.resume.ResumeLimits.DEFAULT)
                .decode(client.newRequest(worker.url() + "/_resumelb/resume").timeout(10, TimeUnit.SECONDS).send().getContent());
        System.out.println("worker's résumé after spoofed requests: " + resume.skills().keySet());
        assertTrue(resume.skills().containsKey("real.example"), resume.skills().toString());
        assertTrue(!resume.skills().containsKey("spoofed-class"), resume.skills().toString());
    }

    @Test
    void aSlowClientDoesNotHoldUpOthers() throws Exception {
        AsyncRequestContent trickle = new AsyncRequestContent("application/octet-stream");
        CompletableFuture<ContentResponse> slow = new CompletableResponseListener(client.POST(fleet.url() + "/slow-upload")
                .headers(h -> h.put(HttpHeader.HOST, "slow.example"))
                .body(trickle)
                .timeout(60, TimeUnit.SECONDS)).send();
        List<Long> millis = new ArrayList<>();
        int chunks = 0;
        // By count, not for a fixed time: a loaded machine serves fewer GETs per second. The time bound is half the slow
        // upload's 60 s timeout (a GET held up behind the slow client would take its 30 s timeout).
        long start = System.currentTimeMillis();
        long end = start + 30_000;
        while (System.currentTimeMillis() < end && chunks < GETS) {
            trickle.write(java.nio.ByteBuffer.wrap(new byte[1024]), Callback.NOOP);
            chunks++;
            long t = System.nanoTime();
            assertEquals(200, get("site-" + (chunks % 10) + ".example").getStatus());
            millis.add((System.nanoTime() - t) / 1_000_000);
            It.sleep(20);
        }
        double seconds = (System.currentTimeMillis() - start) / 1000.0;
        trickle.close();
        ContentResponse r = slow.get(60, TimeUnit.SECONDS);
        long worst = millis.stream().mapToLong(Long::longValue).max().orElse(0);
        System.out.printf("slow client trickled %d KB over %.1f s; meanwhile %d GETs served, slowest %d ms; slow upload answered %d%n",
                chunks, seconds, millis.size(), worst, r.getStatus());
        assertEquals(200, r.getStatus());
        assertEquals(Long.toString(chunks * 1024L), r.getHeaders().get("X-Received-Bytes"));
        assertEquals(GETS, millis.size(), "other clients were served while the slow one trickled, within 30 s: " + millis.size());
    }
}
