package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;

/**
 * The real proxy WAR at the edge: a client's own {@code X-Forwarded-For:
 * 127.0.0.1} (and every other forwarding header) never reaches a worker and
 * never opens the status page or the admin calls; through a trusted proxy
 * (here a second load balancer in front, with {@code trustedProxies}) the
 * chain is kept and appended to. The worker is a servlet that echoes the
 * forwarding headers it receives, registered by a signed push.
 */
class ForwardedHeadersIT {

    static final byte[] KEY = It.SECRET.getBytes(StandardCharsets.UTF_8);
    static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);
    static final List<String> FORWARDING = List.of("Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
            "X-Forwarded-Port", "X-Real-IP");

    /** Echoes each forwarding header it receives in X-Echo-<name>, percent-encoded (Jetty's proxy unquotes response values). */
    static final class Echo extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) {
            for (String h : FORWARDING) {
                List<String> values = Collections.list(req.getHeaders(h));
                if (!values.isEmpty()) {
                    resp.setHeader("X-Echo-" + h, URLEncoder.encode(String.join(" | ", values), StandardCharsets.UTF_8));
                }
            }
            resp.setStatus(200);
        }
    }

    Fleet fleet;
    Server worker;
    String workerUrl;
    ProxyNode edge;
    ProxyNode inner;

    @BeforeEach
    void start() throws Exception {
        fleet = new Fleet();
        worker = new Server();
        ServerConnector c = new ServerConnector(worker, 1, 1);
        c.setHost("127.0.0.1");
        worker.addConnector(c);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new Echo()), "/*");
        worker.setHandler(context);
        worker.start();
        workerUrl = "http://127.0.0.1:" + c.getLocalPort();
        // inner: trusts the loopback address, from which the edge load balancer (and, in one test, the client) connects.
        inner = new ProxyNode(0, Map.of("workerTtl", "5m", "trustedProxies", "127.0.0.1", "statusAllow", "203.0.113.0/24"));
        push(inner, workerUrl);
        // edge: the defaults, in front of inner (its only "worker").
        edge = new ProxyNode(0, Map.of("workerTtl", "5m"));
        push(edge, inner.url());
    }

    @AfterEach
    void stop() throws Exception {
        // The client first: a proxy stops gracefully, within a second, once no connection is left to it.
        for (AutoCloseable c : new AutoCloseable[] {fleet, edge, inner, worker::stop}) {
            if (c != null) {
                c.close();
            }
        }
    }

    void push(ProxyNode to, String url) throws Exception {
        byte[] body = CODEC.encode(new Resume(url, url + "#" + UUID.randomUUID(), "1", 1, System.currentTimeMillis(), false, Map.of()));
        ContentResponse r = fleet.client.POST(to.url() + "/_resumelb/resumes").body(new BytesRequestContent("application/json", body))
                .headers(h -> h.put(Protocol.SIGNATURE_HEADER, Protocol.sign(KEY, body))).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(204, r.getStatus(), r.getContentAsString());
        ProxyStatus.awaitWorkers(to.url(), Set.of(url), 10_000);
    }

    ContentResponse get(ProxyNode via, String path, String... headers) throws Exception {
        Request r = fleet.client.newRequest(via.url() + path).timeout(10, TimeUnit.SECONDS);
        r.headers(h -> {
            h.put("Host", "news.example");
            for (int i = 0; i < headers.length; i += 2) {
                h.add(headers[i], headers[i + 1]);
            }
        });
        return r.send();
    }

    static String echoed(ContentResponse r, String header) {
        String v = r.getHeaders().get("X-Echo-" + header);
        return v == null ? null : URLDecoder.decode(v, StandardCharsets.UTF_8);
    }

    static final String[] SPOOFED = {"X-Forwarded-For", "127.0.0.1", "X-Forwarded-For", "6.6.6.6", "Forwarded", "for=127.0.0.1",
            "X-Real-IP", "127.0.0.1", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "admin.internal", "X-Forwarded-Port", "443"};

    @Test
    void aSpoofedForwardedForNeverReachesAWorkerAndTheTrustedHopKeepsTheChain() throws Exception {
        // client -> edge (trusts no one) -> inner (trusts 127.0.0.1) -> worker
        ContentResponse r = get(edge, "/article", SPOOFED);
        assertEquals(200, r.getStatus());
        System.out.printf("client sent X-Forwarded-For: 127.0.0.1 and 6.6.6.6, Forwarded: for=127.0.0.1, X-Real-IP: 127.0.0.1;"
                        + " the worker got X-Forwarded-For: %s | Forwarded: %s | X-Forwarded-Proto: %s | X-Forwarded-Host: %s"
                        + " | X-Forwarded-Port: %s | X-Real-IP: %s%n", echoed(r, "X-Forwarded-For"), echoed(r, "Forwarded"),
                echoed(r, "X-Forwarded-Proto"), echoed(r, "X-Forwarded-Host"), echoed(r, "X-Forwarded-Port"), echoed(r, "X-Real-IP"));
        // The edge set the chain from the client's connection (loopback here), the inner load balancer appended the edge.
        assertEquals("127.0.0.1, 127.0.0.1", echoed(r, "X-Forwarded-For"), "6.6.6.6 and the claimed 127.0.0.1 are gone");
        assertEquals("for=127.0.0.1;host=news.example;proto=http, for=127.0.0.1;host=news.example;proto=http", echoed(r, "Forwarded"));
        assertEquals("http", echoed(r, "X-Forwarded-Proto"));
        assertEquals("news.example", echoed(r, "X-Forwarded-Host"));
        assertEquals(Integer.toString(edge.port()), echoed(r, "X-Forwarded-Port"), "the port the client connected to");
        assertNull(echoed(r, "X-Real-IP"));

        // The client as a trusted proxy of inner: its chain is kept and this hop appended.
        ContentResponse trusted = get(inner, "/article", "X-Forwarded-For", "6.6.6.6, 203.0.113.9", "Forwarded", "for=203.0.113.9;proto=https",
                "X-Forwarded-Proto", "https", "X-Real-IP", "203.0.113.9");
        assertEquals("6.6.6.6, 203.0.113.9, 127.0.0.1", echoed(trusted, "X-Forwarded-For"));
        assertEquals("for=203.0.113.9;proto=https, for=127.0.0.1;host=news.example;proto=http", echoed(trusted, "Forwarded"));
        assertEquals("https", echoed(trusted, "X-Forwarded-Proto"));
        assertEquals("203.0.113.9", echoed(trusted, "X-Real-IP"));
    }

    @Test
    void forwardingHeadersNeverOpenStatusOrAdmin() throws Exception {
        for (ProxyNode lb : List.of(edge, inner)) {
            for (String path : List.of("/_resumelb/", "/_resumelb/status", "/_resumelb/metrics")) {
                for (int i = 0; i < 8; i += 2) { // X-Forwarded-For, X-Forwarded-For, Forwarded, X-Real-IP: all claim loopback
                    ContentResponse r = get(lb, path, SPOOFED[i], SPOOFED[i + 1]);
                    assertEquals(403, r.getStatus(), lb.url() + path + " " + SPOOFED[i]);
                    assertFalse(r.getContentAsString().contains("203.0.113"), "the allow-list is not shown: " + r.getContentAsString());
                }
                assertEquals(200, get(lb, path).getStatus(), path + " from loopback itself");
            }
            byte[] body = ("{\"sentAt\":" + System.currentTimeMillis() + ",\"nonce\":\"" + UUID.randomUUID() + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            String path = "/_resumelb/admin/reset-skills";
            byte[] signed = ("POST " + path + "\n" + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            ContentResponse admin = fleet.client.POST(lb.url() + path).body(new BytesRequestContent("application/json", body))
                    .headers(h -> h.put(Protocol.SIGNATURE_HEADER, Protocol.sign(KEY, signed)).put("X-Forwarded-For", "127.0.0.1"))
                    .timeout(10, TimeUnit.SECONDS).send();
            assertEquals(403, admin.getStatus(), "a signed admin call claiming loopback: " + admin.getContentAsString());
            ContentResponse direct = fleet.client.POST(lb.url() + path).body(new BytesRequestContent("application/json", body))
                    .headers(h -> h.put(Protocol.SIGNATURE_HEADER, Protocol.sign(KEY, signed))).timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, direct.getStatus(), "the same call from loopback itself: " + direct.getContentAsString());
        }
        // Through the trusted hop, the client's own address is judged: statusAllow lists 203.0.113.0/24, not loopback.
        assertEquals(200, get(inner, "/_resumelb/status", "X-Forwarded-For", "203.0.113.9").getStatus());
        assertEquals(403, get(inner, "/_resumelb/status", "X-Forwarded-For", "203.0.113.9, 198.51.100.1").getStatus());
        assertEquals(403, get(inner, "/_resumelb/metrics", "X-Forwarded-For", "127.0.0.1").getStatus());
        ContentResponse viaEdge = get(edge, "/_resumelb/status", "X-Forwarded-For", "203.0.113.9");
        assertEquals(403, viaEdge.getStatus(), "the edge trusts no one: " + viaEdge.getContentAsString());
        assertTrue(viaEdge.getContentAsString().contains("(setting statusAllow"), viaEdge.getContentAsString());
    }
}
