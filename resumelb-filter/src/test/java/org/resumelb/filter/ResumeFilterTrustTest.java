package org.resumelb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;

/**
 * The filter's trust boundary in a real embedded Jetty: whose class header
 * counts, who may read the résumé, and the prefix. Every test client is on
 * loopback, so a request "from" another address goes through a test-only
 * filter in front of ResumeLB's that makes {@code getRemoteAddr()} answer the
 * {@code X-Test-Remote} header (the container's address, as a real remote
 * client would have). {@code src-it}'s WorkerTrustIT does the same from a real
 * non-loopback address.
 */
class ResumeFilterTrustTest {

    static final String REMOTE = "X-Test-Remote";

    /** Test only: the remote address the request claims in {@link #REMOTE}. */
    public static final class FakeRemoteFilter implements Filter {
        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest request = (HttpServletRequest) req;
            String remote = request.getHeader(REMOTE);
            chain.doFilter(remote == null ? req : new HttpServletRequestWrapper(request) {
                @Override
                public String getRemoteAddr() {
                    return remote;
                }
            }, res);
        }
    }

    Server server;
    HttpClient client;
    PushReceiver receiver;
    FilterHolder filter;

    @BeforeEach
    void start() throws Exception {
        client = new HttpClient();
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        client.stop();
        if (receiver != null) {
            receiver.close();
        }
    }

    void startWorker(Map<String, String> params) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/app");
        context.addServlet(new ServletHolder(new ResumeFilterTest.AppServlet()), "/*");
        context.addFilter(new FilterHolder(new FakeRemoteFilter()), "/*", EnumSet.of(DispatcherType.REQUEST));
        filter = new FilterHolder(ResumeFilter.class);
        filter.setInitParameters(params);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        server.setHandler(context);
        server.start();
    }

    ResumeFilter resumeFilter() {
        return (ResumeFilter) filter.getFilter();
    }

    String base() {
        return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/app";
    }

    /** A GET of the app from {@code remote} (null: really from loopback) for site {@code host}, with a class header or none. */
    ContentResponse get(String path, String remote, String host, String requestClass) throws Exception {
        return send(HttpMethod.GET, path, remote, host, requestClass);
    }

    ContentResponse send(HttpMethod method, String path, String remote, String host, String requestClass) throws Exception {
        var request = client.newRequest(base() + path).method(method).timeout(10, TimeUnit.SECONDS);
        request.headers(h -> {
            if (remote != null) {
                h.put(REMOTE, remote);
            }
            if (host != null) {
                h.put(HttpHeader.HOST, host);
            }
            if (requestClass != null) {
                h.put(Protocol.CLASS_HEADER, requestClass);
            }
        });
        return request.send();
    }

    Resume resume() throws Exception {
        ContentResponse r = get("/_resumelb/resume", null, null, null);
        assertEquals(200, r.getStatus(), r.getContentAsString());
        return ResumeFilterTest.CODEC.decode(r.getContent());
    }

    /** Pushes to a loopback receiver (so loopback is a load balancer) and adds {@code more}. */
    Map<String, String> pushingTo(PushReceiver lb, String... more) {
        Map<String, String> params = new HashMap<>(ResumeFilterTest.pushing(lb.url()));
        for (int i = 0; i < more.length; i += 2) {
            params.put(more[i], more[i + 1]);
        }
        return params;
    }

    @Test
    void theClassHeaderCountsOnlyFromALoadBalancer() throws Exception {
        receiver = new PushReceiver();
        startWorker(pushingTo(receiver, "trustedLbs", "10.9.0.0/16"));
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get("/a", null, "www.lb-site.example", "from-the-lb").getStatus());           // the lb is on loopback
            assertEquals(200, get("/a", "10.9.4.2", "www.nat-site.example", "from-a-trusted-lb").getStatus()); // trustedLbs
            assertEquals(200, get("/a", "203.0.113.9", "www.client.example", "spoofed-class").getStatus());   // a client, directly
            assertEquals(200, get("/a", "2001:db8::9", "www.client6.example", "spoofed-class").getStatus());
        }
        Map<String, Double> skills = resume().skills();
        System.out.println("résumé after direct spoofing: " + skills.keySet() + "; class headers ignored: "
                + resumeFilter().trust().ignoredClassHeaders());
        assertTrue(skills.containsKey("from-the-lb") && skills.containsKey("from-a-trusted-lb"), skills.toString());
        assertFalse(skills.containsKey("spoofed-class"), skills.toString());
        assertTrue(skills.containsKey("client.example") && skills.containsKey("client6.example"),
                "a client's request is classified by the filter, as if it had sent no header: " + skills);
        assertFalse(skills.containsKey("lb-site.example") || skills.containsKey("nat-site.example"), skills.toString());
        assertEquals(10, resumeFilter().trust().ignoredClassHeaders());
        assertEquals(20, resumeFilter().tracker().generation(), "every request timed, whoever sent it");
    }

    @Test
    void loopbackIsNoLoadBalancerUnlessAnLbIsOnIt() throws Exception {
        // The lb is elsewhere (an address that does not answer: its pushes just fail and back off).
        startWorker(Map.of("lb", "http://198.51.100.7:9", "workerUrl", "http://127.0.0.1:8080", "secret", ResumeFilterTest.SECRET,
                "pushTimeout", "200ms", "classifier", "path:1"));
        assertFalse(resumeFilter().trust().lbOnLoopback());
        get("/local-page", null, null, "spoofed-from-loopback");
        get("/lb-page", "198.51.100.7", null, "from-the-real-lb");
        Map<String, Double> skills = resume().skills();
        assertEquals(List.of("from-the-real-lb", "local-page"), skills.keySet().stream().sorted().toList());
    }

    @Test
    void withoutLbTheClassHeaderNeedsTrustedLbs() throws Exception {
        startWorker(Map.of("classifier", "path:1"));
        get("/p1", null, null, "spoofed");
        assertEquals(List.of("p1"), resume().skills().keySet().stream().toList());
        server.stop();
        startWorker(Map.of("classifier", "path:1", "trustedLbs", "127.0.0.1"));
        get("/p1", null, null, "from-a-pulling-lb");
        assertEquals(List.of("from-a-pulling-lb"), resume().skills().keySet().stream().toList());
    }

    @Test
    void theResumeAnswersOnlyLoopbackAndLoadBalancersByDefault() throws Exception {
        receiver = new PushReceiver();
        startWorker(pushingTo(receiver, "trustedLbs", "10.9.0.0/16"));
        get("/a", null, null, "c");
        assertEquals(200, get("/_resumelb/resume", null, null, null).getStatus(), "loopback");
        assertEquals(200, get("/_resumelb/resume", "10.9.0.1", null, null).getStatus(), "a load balancer");
        long before = resumeFilter().tracker().generation();
        for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.DELETE)) {
            for (String outsider : List.of("203.0.113.9", "10.10.0.1", "2001:db8::9")) {
                ContentResponse r = send(method, "/_resumelb/resume", outsider, null, null);
                assertEquals(403, r.getStatus(), method + " from " + outsider);
                assertEquals("no-store", r.getHeaders().get(HttpHeader.CACHE_CONTROL));
                String body = r.getContentAsString();
                if (method == HttpMethod.GET) {
                    System.out.println(method + " /_resumelb/resume from " + outsider + " -> " + r.getStatus() + " " + body.trim());
                    assertTrue(body.contains("only for its load balancers"), body);
                }
                for (String secret : List.of("127.0.0.1", "10.9", "loopback", "trustedLbs", "resumeAllow", "\"skills\"")) {
                    assertFalse(body.contains(secret), "the refusal tells nothing of " + secret + ": " + body);
                }
            }
        }
        assertEquals(12, resumeFilter().trust().refusedResumeReads());
        assertEquals(before, resumeFilter().tracker().generation(), "résumé requests are never timed");
    }

    @Test
    void resumeAllowOpensTheResumeToMoreAddresses() throws Exception {
        startWorker(Map.of("resumeAllow", "203.0.113.0/24"));
        assertEquals(200, get("/_resumelb/resume", "203.0.113.9", null, null).getStatus());
        assertEquals(403, get("/_resumelb/resume", "198.51.100.1", null, null).getStatus());
        assertEquals(200, get("/_resumelb/resume", null, null, null).getStatus());
        server.stop();
        startWorker(Map.of("resumeAllow", "*"));
        assertEquals(200, get("/_resumelb/resume", "198.51.100.1", null, null).getStatus());
        // Reading the résumé is not speaking for the load balancer.
        get("/a", "198.51.100.1", "www.reader.example", "spoofed");
        assertEquals(List.of("reader.example"), resume().skills().keySet().stream().toList());
    }

    @Test
    void thePrefixMovesTheResumeEndpointAndThePushPath() throws Exception {
        receiver = new PushReceiver("/ops/_lb");
        startWorker(pushingTo(receiver, "prefix", "/ops/_lb"));
        for (int i = 0; i < 5; i++) {
            get("/a", null, null, "c" + i % 2);
        }
        List<PushReceiver.Push> pushes = receiver.awaitPushes(2, 10_000);
        assertTrue(pushes.size() >= 2, "pushes reach {lb}/ops/_lb/resumes: " + pushes.size());
        Resume pushed = ResumeFilterTest.CODEC.decode(pushes.get(pushes.size() - 1).body());
        ContentResponse r = get("/ops/_lb/resume", null, null, null);
        assertEquals(200, r.getStatus());
        assertEquals("application/json", r.getMediaType());
        Resume served = ResumeFilterTest.CODEC.decode(r.getContent());
        assertEquals(pushed.id(), served.id());
        assertTrue(served.skills().keySet().containsAll(List.of("c0", "c1")), served.skills().toString());
        assertEquals(403, get("/ops/_lb/resume", "203.0.113.9", null, null).getStatus(), "the same access rule under the prefix");
        // The default path is now the application's.
        long generation = resumeFilter().tracker().generation();
        ContentResponse old = get("/_resumelb/resume", null, null, null);
        assertEquals(200, old.getStatus());
        assertTrue(old.getContentAsString().startsWith("ok "), "the application answered: " + old.getContentAsString());
        assertEquals(generation + 1, resumeFilter().tracker().generation(), "and it was timed like any request");
        System.out.println("prefix /ops/_lb: " + pushes.size() + " pushes to " + receiver.url() + "/ops/_lb/resumes, résumé at "
                + base() + "/ops/_lb/resume");
    }

    @Test
    void anUnresolvableLbIsLoggedAndTrustedForNothing() throws Exception {
        startWorker(Map.of("lb", "http://no-such-host.invalid:8080", "workerUrl", "http://127.0.0.1:8080",
                "secret", ResumeFilterTest.SECRET, "classifier", "path:1", "pushTimeout", "200ms"));
        assertTrue(resumeFilter().trust().unresolved().containsKey("no-such-host.invalid"));
        get("/page", null, null, "spoofed");
        assertEquals(List.of("page"), resume().skills().keySet().stream().toList());
    }
}
