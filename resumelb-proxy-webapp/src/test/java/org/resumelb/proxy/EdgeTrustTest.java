package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;


import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.proxy.operations.Admin;

/**
 * The trust boundaries of the proxy as deployed: a client's forwarding headers
 * never reach a worker nor open the load balancer's own endpoints; through a
 * trusted proxy the chain is kept; status and admin have separate allow-lists;
 * an admin signature is bound to its path.
 */
class EdgeTrustTest extends ClusterClientTest {

    ContentResponse get(String path, String... headers) throws Exception {
        Request r = client.newRequest(cluster.proxyUrl() + path).timeout(10, TimeUnit.SECONDS);
        r.headers(h -> {
            for (int i = 0; i < headers.length; i += 2) {
                h.add(headers[i], headers[i + 1]);
            }
        });
        return r.send();
    }

    static final String[] SPOOFED = {"X-Forwarded-For", "6.6.6.6, 127.0.0.2", "X-Forwarded-For", "127.0.0.1",
            "Forwarded", "for=127.0.0.1;proto=https", "X-Real-IP", "127.0.0.1", "X-Forwarded-Proto", "https",
            "X-Forwarded-Host", "admin.internal", "X-Forwarded-Port", "443"};

    @Test
    void aClientsForwardingHeadersNeverReachAWorkerNorOpenTheLoadBalancer() throws Exception {
        cluster = new Cluster(Map.of());
        cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
        int port = Integer.parseInt(cluster.proxyUrl().substring(cluster.proxyUrl().lastIndexOf(':') + 1));

        ContentResponse r = get("/page", SPOOFED);
        assertEquals(200, r.getStatus());
        assertEquals("127.0.0.1", Cluster.echoed(r, "X-Forwarded-For"), "the connection's address, nothing the client wrote");
        assertEquals("for=127.0.0.1;host=\"127.0.0.1:" + port + "\";proto=http", Cluster.echoed(r, "Forwarded"));
        assertEquals("http", Cluster.echoed(r, "X-Forwarded-Proto"));
        assertEquals("127.0.0.1:" + port, Cluster.echoed(r, "X-Forwarded-Host"));
        assertEquals(Integer.toString(port), Cluster.echoed(r, "X-Forwarded-Port"));
        assertNull(Cluster.echoed(r, "X-Real-IP"));

        for (String path : new String[] {"/_resumelb/", "/_resumelb/status", "/_resumelb/metrics"}) {
            for (int i = 0; i < SPOOFED.length; i += 2) {
                ContentResponse refused = get(path, SPOOFED[i], SPOOFED[i + 1]);
                if (SPOOFED[i].startsWith("X-Forwarded-") && !SPOOFED[i].equals("X-Forwarded-For")) {
                    assertEquals(200, refused.getStatus(), path + " " + SPOOFED[i] + " names no client");
                    continue;
                }
                assertEquals(403, refused.getStatus(), path + " from loopback with " + SPOOFED[i]);
                assertTrue(refused.getContentAsString().contains("never as loopback"), refused.getContentAsString());
            }
            assertEquals(200, get(path).getStatus(), path + " from loopback without forwarding headers");
        }
        byte[] body = ("{\"sentAt\":" + System.currentTimeMillis() + ",\"nonce\":\"" + UUID.randomUUID()
                + "\",\"settings\":{\"variance\":2}}").getBytes(StandardCharsets.UTF_8);
        String path = "/_resumelb/admin/settings";
        ContentResponse admin = client.POST(cluster.proxyUrl() + path).body(new BytesRequestContent("application/json", body))
                .headers(h -> h.put(Protocol.SIGNATURE_HEADER, Admin.sign(Cluster.SECRET.getBytes(StandardCharsets.UTF_8), path, body)))
                .headers(h -> h.put("X-Forwarded-For", "127.0.0.1")).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(403, admin.getStatus(), "a signed admin call from loopback with X-Forwarded-For: 127.0.0.1");
        assertEquals(1.0, cluster.loadBalancer().admin().inForce().pool().variance());
    }

    @Test
    void throughATrustedProxyTheChainIsKeptAndItsClientJudged() throws Exception {
        // The test client stands for a reverse proxy on this host: 127.0.0.1 is trusted.
        cluster = new Cluster(Map.of("trustedProxies", "127.0.0.1", "statusAllow", "203.0.113.0/24"));
        cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
        ContentResponse r = get("/page", "X-Forwarded-For", "6.6.6.6, 203.0.113.9", "Forwarded", "for=203.0.113.9;proto=https",
                "X-Forwarded-Proto", "https", "X-Forwarded-Host", "news.example", "X-Forwarded-Port", "443", "X-Real-IP", "203.0.113.9");
        assertEquals(200, r.getStatus());
        assertEquals("6.6.6.6, 203.0.113.9, 127.0.0.1", Cluster.echoed(r, "X-Forwarded-For"));
        assertTrue(Cluster.echoed(r, "Forwarded").startsWith("for=203.0.113.9;proto=https, for=127.0.0.1;host="),
                Cluster.echoed(r, "Forwarded"));
        assertEquals("https", Cluster.echoed(r, "X-Forwarded-Proto"));
        assertEquals("news.example", Cluster.echoed(r, "X-Forwarded-Host"));
        assertEquals("443", Cluster.echoed(r, "X-Forwarded-Port"));
        assertEquals("203.0.113.9", Cluster.echoed(r, "X-Real-IP"));

        assertEquals(200, get("/_resumelb/status", "X-Forwarded-For", "203.0.113.9").getStatus(), "a client statusAllow lists");
        assertEquals(403, get("/_resumelb/status", "X-Forwarded-For", "198.51.100.1").getStatus());
        assertEquals(403, get("/_resumelb/status", "X-Forwarded-For", "203.0.113.9, 198.51.100.1").getStatus());
        assertEquals(403, get("/_resumelb/status", "X-Forwarded-For", "127.0.0.1").getStatus(), "never loopback through headers");
        assertEquals(200, get("/_resumelb/status").getStatus(), "the proxy's host itself, without headers");
        ContentResponse admin = client.POST(cluster.proxyUrl() + "/_resumelb/admin/settings")
                .headers(h -> h.put("X-Forwarded-For", "203.0.113.9")).body(new BytesRequestContent("application/json", new byte[2]))
                .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(403, admin.getStatus(), "statusAllow does not open admin");
        assertTrue(admin.getContentAsString().contains("(setting adminAllow"), admin.getContentAsString());
    }

    @Test
    void statusAllowOpensMetricsButNotAdminAndNoRefusalShowsAList() throws Exception {
        // Jetty's ForwardedRequestCustomizer makes X-Forwarded-For the remote address: a client "from" 203.0.113.5.
        cluster = new Cluster(Map.of("statusAllow", "203.0.113.0/24", "adminAllow", "198.51.100.0/24"), true);
        assertEquals(200, get("/_resumelb/metrics", "X-Forwarded-For", "203.0.113.5").getStatus());
        assertEquals(200, get("/_resumelb/status", "X-Forwarded-For", "198.51.100.5").getStatus(), "adminAllow may see too");
        ContentResponse refused = get("/_resumelb/status", "X-Forwarded-For", "192.0.2.1");
        assertEquals(403, refused.getStatus());
        assertEquals("/_resumelb/status: 192.0.2.1 is not allowed (setting statusAllow; a request with Forwarded, X-Forwarded-For"
                + " or X-Real-IP is judged by its client's address, never as loopback: see trustedProxies)\n", refused.getContentAsString());
        byte[] body = ("{\"sentAt\":" + System.currentTimeMillis() + ",\"nonce\":\"" + UUID.randomUUID() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        String reset = "/_resumelb/admin/reset-skills";
        ContentResponse admin = client.POST(cluster.proxyUrl() + reset).body(new BytesRequestContent("application/json", body))
                .headers(h -> h.put("X-Forwarded-For", "203.0.113.5"))
                .headers(h -> h.put(Protocol.SIGNATURE_HEADER, Admin.sign(Cluster.SECRET.getBytes(StandardCharsets.UTF_8), reset, body)))
                .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(403, admin.getStatus(), "opening metrics to Prometheus does not open admin");
        assertFalse(admin.getContentAsString().contains("198.51.100") || admin.getContentAsString().contains("203.0.113.0"),
                admin.getContentAsString());
    }

    @Test
    void anAdminBodySignedForOneCallIsRefusedByAnother() throws Exception {
        cluster = new Cluster(Map.of());
        String w1 = cluster.startWorker("w1", Map.of("heartbeat", "1m", "resumeInterval", "1m"));
        cluster.awaitWorkers(1);
        cluster.directory().pool().update(w1, null, Map.of("site-a", 5.0));
        byte[] body = ("{\"sentAt\":" + System.currentTimeMillis() + ",\"nonce\":\"" + UUID.randomUUID()
                + "\",\"settings\":{\"variance\":2}}").getBytes(StandardCharsets.UTF_8);
        String signature = Admin.sign(Cluster.SECRET.getBytes(StandardCharsets.UTF_8), "/_resumelb/admin/settings", body);
        ContentResponse replayed = client.POST(cluster.proxyUrl() + "/_resumelb/admin/reset-skills")
                .body(new BytesRequestContent("application/json", body)).headers(h -> h.put(Protocol.SIGNATURE_HEADER, signature))
                .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(401, replayed.getStatus(), replayed.getContentAsString());
        assertTrue(replayed.getHeaders().get(HttpHeader.WWW_AUTHENTICATE).contains("HMAC-SHA256"));
        assertEquals(Map.of("site-a", 5.0), cluster.directory().pool().snapshot().worker(w1).skills(), "nothing was reset");
        ContentResponse ok = client.POST(cluster.proxyUrl() + "/_resumelb/admin/settings")
                .body(new BytesRequestContent("application/json", body)).headers(h -> h.put(Protocol.SIGNATURE_HEADER, signature))
                .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, ok.getStatus(), ok.getContentAsString());
    }
}
