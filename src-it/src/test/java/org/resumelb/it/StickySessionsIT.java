package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sticky sessions with real worker processes: three newsroom workers (embedded
 * Jetty, the container's own HTTP sessions) behind the proxy WAR with
 * {@code sticky=cookie:JSESSIONID}. A session created on one worker keeps going
 * there through 1,000 requests of many classes (four at a time), interleaved
 * with requests of no session that move between workers and with background
 * load; the worker sees its own session id throughout. After that worker is killed (SIGKILL),
 * the next request with the cookie succeeds on another worker, whose new
 * session cookie carries its own route.
 */
class StickySessionsIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int STICKY_REQUESTS = 1_000;
    static final int SESSION_THREADS = 4;

    Fleet fleet;
    /** The session's client: no cookie store, it sends exactly the cookie the test gives. */
    HttpClient client;

    @BeforeEach
    void start() throws Exception {
        fleet = new Fleet("w", 64);
        fleet.addProxy(0, Map.of("sticky", "cookie:JSESSIONID"));
        for (int i = 0; i < 3; i++) {
            fleet.addWorker();
        }
        fleet.awaitWorkers();
        client = new HttpClient();
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (client != null) {
                client.stop();
            }
        } finally {
            if (fleet != null) {
                fleet.close();
            }
        }
    }

    ContentResponse get(String path, String host, String cookie) throws Exception {
        return client.newRequest(fleet.url() + path)
                .headers(h -> {
                    h.put(HttpHeader.HOST, host);
                    if (cookie != null) {
                        h.put(HttpHeader.COOKIE, cookie);
                    }
                })
                .timeout(Fleet.REQUEST_SECONDS, TimeUnit.SECONDS).send();
    }

    WorkerProcess named(String name) {
        return fleet.workers().stream().filter(w -> w.name.equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no worker " + name));
    }

    /** The JSESSIONID cookie pair a browser would send back, from the response's Set-Cookie (null when none). */
    static String sessionCookie(ContentResponse r) {
        String set = r.getHeaders().getValuesList(HttpHeader.SET_COOKIE).stream().filter(v -> v.startsWith("JSESSIONID="))
                .findFirst().orElse(null);
        return set == null ? null : set.substring(0, set.indexOf(';') < 0 ? set.length() : set.indexOf(';'));
    }

    @Test
    void aSessionStaysOnItsWorkerThrough1000RequestsAndMovesWhenTheWorkerIsKilled() throws Exception {
        ProxyStatus before = ProxyStatus.read(fleet.url());
        Map<String, String> routes = before.routes();

        ContentResponse login = get("/_newsroom/session", "shop.news", null);
        assertEquals(200, login.getStatus(), login.getContentAsString());
        JsonNode created = JSON.readTree(login.getContentAsString());
        assertTrue(created.path("new").asBoolean(), created.toString());
        WorkerProcess owner = named(login.getHeaders().get("X-Worker"));
        String cookie = sessionCookie(login);
        assertNotNull(cookie, "the worker set its session cookie: " + login.getHeaders());
        String route = routes.get(owner.url());
        assertTrue(cookie.endsWith("." + route), "the cookie carries the owner's route " + route + ": " + cookie);

        // Background traffic of no session, 30 classes, from the fleet's client, while the session runs.
        Fleet.Load load = fleet.load(1, 40_000, 20_000, (thread, i) -> "site-" + (i % 30) + ".news");
        // The session's requests from 4 threads at once (as a browser loads a page's parts), every tenth one its
        // session page, the others articles of 40 sites; every other one followed by a request of no session of
        // another class, which goes where its class goes.
        Map<String, Integer> stickyServedBy = new ConcurrentHashMap<>();
        Map<String, Integer> othersServedBy = new ConcurrentHashMap<>();
        AtomicInteger sessionPages = new AtomicInteger();
        Set<String> sessionIds = ConcurrentHashMap.newKeySet();
        long loopStart = System.nanoTime();
        ExecutorService threads = Executors.newFixedThreadPool(SESSION_THREADS);
        List<Future<?>> loops = new ArrayList<>();
        for (int t = 0; t < SESSION_THREADS; t++) {
            int thread = t;
            loops.add(threads.submit(() -> {
                for (int i = thread; i < STICKY_REQUESTS; i += SESSION_THREADS) {
                    boolean sessionPage = i % 10 == 0;
                    ContentResponse r = sessionPage ? get("/_newsroom/session", "shop.news", cookie)
                            : get("/article", "site-" + (i % 40) + ".news", cookie);
                    assertEquals(200, r.getStatus(), "request " + i + ": " + r.getContentAsString());
                    stickyServedBy.merge(r.getHeaders().get("X-Worker"), 1, Integer::sum);
                    assertNull(sessionCookie(r), "no new session: the worker knew its own id (request " + i + ")");
                    if (sessionPage) {
                        sessionPages.incrementAndGet();
                        JsonNode s = JSON.readTree(r.getContentAsString());
                        assertFalse(s.path("new").asBoolean(), s.toString());
                        sessionIds.add(s.path("session").asText());
                    }
                    if (i % 2 == 0) {
                        ContentResponse other = get("/article", "other-" + (i % 200) + ".news", null); // 100 classes: each worker owns some
                        assertEquals(200, other.getStatus());
                        othersServedBy.merge(other.getHeaders().get("X-Worker"), 1, Integer::sum);
                    }
                }
                return null;
            }));
        }
        try {
            for (Future<?> loop : loops) {
                loop.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        long loopMillis = (System.nanoTime() - loopStart) / 1_000_000;
        ContentResponse last = get("/_newsroom/session", "shop.news", cookie);
        assertEquals(sessionPages.get() + 2, JSON.readTree(last.getContentAsString()).path("visits").asInt(),
                "the session saw every one of its pages: " + last.getContentAsString());
        ProxyStatus during = ProxyStatus.read(fleet.url());
        System.out.printf("Sticky session on %s (route %s): %d requests in %d ms served by %s; requests of no session served by %s;"
                        + " sticky hits %d, moved %d%n", owner.name, route, STICKY_REQUESTS, loopMillis, new TreeMap<>(stickyServedBy),
                new TreeMap<>(othersServedBy), during.stickyHits(), during.stickyMoved());
        assertEquals(Map.of(owner.name, STICKY_REQUESTS), stickyServedBy, "every request of the session on its worker");
        assertEquals(Set.of(created.path("session").asText()), sessionIds, "the worker saw its own session id throughout");
        assertEquals(3, othersServedBy.size(), "the requests of no session moved between all three workers: " + othersServedBy);
        assertEquals(STICKY_REQUESTS + 1, during.stickyHits());
        assertEquals(0, during.stickyMoved());

        owner.kill();
        ContentResponse after = get("/_newsroom/session", "shop.news", cookie);
        assertEquals(200, after.getStatus(), after.getContentAsString());
        WorkerProcess heir = named(after.getHeaders().get("X-Worker"));
        assertNotEquals(owner.name, heir.name);
        JsonNode moved = JSON.readTree(after.getContentAsString());
        assertTrue(moved.path("new").asBoolean(), "the heir had no such session: it made a new one: " + moved);
        String newCookie = sessionCookie(after);
        assertNotNull(newCookie, "the new session's cookie: " + after.getHeaders());
        assertTrue(newCookie.endsWith("." + routes.get(heir.url())), "it carries the heir's route: " + newCookie + " " + routes);

        ContentResponse next = get("/_newsroom/session", "shop.news", newCookie);
        assertEquals(heir.name, next.getHeaders().get("X-Worker"), "the session now sticks to the heir");
        assertEquals(2, JSON.readTree(next.getContentAsString()).path("visits").asInt());

        load.stop();
        System.out.println("Background load: " + load.summary());
        assertEquals(0, load.errors(), "no request of the background load failed");
        assertTrue(load.requests() > 100, "the background load ran: " + load.requests());
        Map<String, String> departed = new HashMap<>(fleet.proxy().departed());
        assertEquals("EJECTED", departed.get(owner.url()), "the killed worker was ejected: " + departed);
        assertEquals(0, fleet.proxy().settledBacklog(), "no in-flight count left");
    }
}
