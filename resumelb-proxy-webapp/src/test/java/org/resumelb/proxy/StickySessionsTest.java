package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.Settings;
import org.resumelb.proxy.pool.RouteId;

/**
 * Sticky sessions through the deployed servlet in embedded Jetty, with real
 * workers: the worker's {@code Set-Cookie} gets its route, attributes intact;
 * the session's requests go to that worker, which sees its own session id;
 * when the worker is gone the session's requests are served elsewhere and the
 * next {@code Set-Cookie} carries the new route.
 */
class StickySessionsTest extends ClusterClientTest {

    /**
     * A Jetty-style session cookie with every kind of attribute, the Expires date's comma included, written as the
     * worker's Jetty writes a Set-Cookie (attributes after ';' without a space), so the proxy's output compares exactly.
     */
    static final String SET_SESSION = "JSESSIONID=node0abc.node0;Path=/;Expires=Thu, 01 Jan 2037 00:00:00 GMT;Max-Age=3600;HttpOnly;"
            + "SameSite=Lax";

    @Override
    void configure(HttpClient client) {
        client.setHttpCookieStore(new HttpCookieStore.Empty()); // the test sends the cookies it means to
    }

    ContentResponse get(String host, String pathAndQuery, String cookie) throws Exception {
        return client.newRequest(cluster.proxyUrl() + pathAndQuery)
                .headers(h -> {
                    h.put(HttpHeader.HOST, host);
                    if (cookie != null) {
                        h.put(HttpHeader.COOKIE, cookie);
                    }
                })
                .timeout(15, TimeUnit.SECONDS).send();
    }

    static String setCookieQuery(String... setCookies) {
        StringBuilder q = new StringBuilder();
        for (String c : setCookies) {
            q.append(q.length() == 0 ? "?" : "&").append("setCookie=").append(URLEncoder.encode(c, StandardCharsets.UTF_8));
        }
        return q.toString();
    }

    String routeOf(String workerName) {
        return RouteId.of(Cluster.baseUrl(cluster.workersByName.get(workerName)));
    }

    JsonNode status() throws Exception {
        return new ObjectMapper().readTree(get("lb", "/_resumelb/status", null).getContentAsString());
    }

    @Test
    void aSessionStaysWithItsWorkerUntilTheWorkerIsGone() throws Exception {
        cluster = new Cluster(Map.of("sticky", "cookie:JSESSIONID", "connectTimeout", "1s"));
        for (String name : List.of("w1", "w2", "w3")) {
            cluster.startWorker(name, Map.of());
        }
        cluster.awaitWorkers(3);

        ContentResponse login = get("shop.example", "/login" + setCookieQuery(SET_SESSION, "theme=dark;Path=/"), null);
        assertEquals(200, login.getStatus());
        String owner = login.getHeaders().get("X-Worker");
        String route = routeOf(owner);
        assertEquals(List.of(SET_SESSION.replace("node0abc.node0", "node0abc.node0." + route), "theme=dark;Path=/"),
                login.getHeaders().getValuesList(HttpHeader.SET_COOKIE), "the route added, everything else as the worker wrote it");
        String cookie = "theme=dark; JSESSIONID=node0abc.node0." + route;

        for (int i = 0; i < 30; i++) {
            ContentResponse r = get("site-" + i + ".example", "/page", cookie);
            assertEquals(200, r.getStatus());
            assertEquals(owner, r.getHeaders().get("X-Worker"), "request " + i);
            assertEquals("theme=dark; JSESSIONID=node0abc.node0", Cluster.echoed(r, "Cookie"), "the worker sees its own session id");
        }
        assertEquals(30, status().path("sticky").path("hits").asLong());
        String metrics = get("lb", "/_resumelb/metrics", null).getContentAsString();
        assertTrue(metrics.contains("resumelb_sticky_total{outcome=\"hit\"} 30"), metrics);
        assertTrue(metrics.contains("resumelb_sticky_total{outcome=\"moved\"} 0"), metrics);
        JsonNode listed = null;
        for (JsonNode w : status().path("workers")) {
            if (w.path("route").asText().equals(route)) {
                listed = w;
            }
        }
        assertEquals(Cluster.baseUrl(cluster.workersByName.get(owner)), listed.path("url").asText(), "the status page lists routes");

        cluster.workersByName.get(owner).stop();
        ContentResponse afterDeath = get("site-0.example", "/page", cookie);
        assertEquals(200, afterDeath.getStatus(), "the refused connection ejects the worker and the GET is retried by class");
        String heir = afterDeath.getHeaders().get("X-Worker");
        assertNotEquals(owner, heir);
        assertEquals("theme=dark; JSESSIONID=node0abc.node0", Cluster.echoed(afterDeath, "Cookie"));

        ContentResponse moved = get("site-0.example", "/login" + setCookieQuery("JSESSIONID=node0def.node0;Path=/"), cookie);
        assertEquals(200, moved.getStatus());
        String newOwner = moved.getHeaders().get("X-Worker");
        assertNotEquals(owner, newOwner);
        assertEquals("JSESSIONID=node0def.node0." + routeOf(newOwner) + ";Path=/", moved.getHeaders().get(HttpHeader.SET_COOKIE),
                "the new worker's session carries its route");
        JsonNode sticky = status().path("sticky");
        // The stopped worker's filter says it drains, or its refused connection ejects it: either way, by the second
        // request after the stop its route is gone, and every request with the cookie is counted once.
        assertTrue(sticky.path("moved").asLong() >= 1, sticky.toString());
        assertEquals(32, sticky.path("hits").asLong() + sticky.path("moved").asLong(), sticky.toString());

        String newCookie = "JSESSIONID=node0def.node0." + routeOf(newOwner);
        for (int i = 0; i < 10; i++) {
            assertEquals(newOwner, get("site-" + i + ".example", "/page", newCookie).getHeaders().get("X-Worker"));
        }
        // A client may read a whole answer a moment before the proxy's completion callback releases the worker.
        long deadline = System.currentTimeMillis() + 2_000;
        while (cluster.loadBalancer().pool().backlog() != 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, cluster.loadBalancer().pool().backlog(), "every lease came back");
    }

    @Test
    void withoutTheSettingCookiesPassUntouched() throws Exception {
        cluster = new Cluster(Map.of());
        cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
        String route = routeOf("w1");
        ContentResponse r = get("shop.example", "/login" + setCookieQuery(SET_SESSION), "JSESSIONID=abc." + route);
        assertEquals(List.of(SET_SESSION), r.getHeaders().getValuesList(HttpHeader.SET_COOKIE));
        assertEquals("JSESSIONID=abc." + route, Cluster.echoed(r, "Cookie"));
        assertEquals(0, status().path("sticky").path("hits").asLong());
    }

    @Test
    void anInvalidStickySettingNamesTheSettingTheValueAndWhatIsAccepted() {
        for (String bad : List.of("JSESSIONID", "cookie:", "cookie:JSESSION ID", "header:X-Session")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ProxySettings.read(new Settings(List.of(Settings.of(Map.of("insecure", "true", "sticky", bad))))), bad);
            assertEquals("sticky", e.setting());
            assertTrue(e.getMessage().contains("'sticky' = '" + bad.trim() + "'") && e.getMessage().contains("accepted: cookie:<name>"),
                    e.getMessage());
        }
        Exception e = assertThrows(Exception.class, () -> new Cluster(Map.of("sticky", "JSESSIONID")));
        assertTrue(ResumeProxyServletTest.messages(e).contains("'sticky' = 'JSESSIONID'"), ResumeProxyServletTest.messages(e));
        assertEquals("JSESSIONID", ProxySettings.read(new Settings(List.of(Settings.of(Map.of("insecure", "true", "sticky",
                "cookie:JSESSIONID"))))).sticky().name());
    }
}
