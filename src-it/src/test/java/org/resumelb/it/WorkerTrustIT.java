package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;

/**
 * The worker's trust boundary on real processes: a worker JVM (the newsroom WAR
 * with its ResumeLB filter) pushing to a real proxy on loopback.
 *
 * <ul>
 *   <li>A client that reaches the worker <em>directly</em>, from a non-loopback
 *       address of this machine, with {@code X-ResumeLB-Class: spoofed-class}:
 *       the worker classifies those requests itself (by Host), so
 *       {@code spoofed-class} is never in its résumé, neither as the worker
 *       serves it ({@code GET /_resumelb/resume} from loopback) nor as the
 *       proxy holds it ({@code status?resumes=true}); requests through the
 *       proxy still teach the worker their class. The same client gets 403 for
 *       {@code GET /_resumelb/resume}.</li>
 *   <li>A proxy with a non-default {@code prefix} and a worker with the same
 *       {@code prefix}: the worker joins, its pushes are accepted and its
 *       résumé is served under that prefix.</li>
 * </ul>
 *
 * A non-loopback source on one machine: the client binds its sockets to an
 * address of a non-loopback interface (the worker listens on 127.0.0.1, which
 * Linux lets such a socket reach). A machine with no such address cannot run
 * the direct part; it says so, and ResumeFilterTrustTest covers the same
 * decisions with a substituted remote address.
 */
class WorkerTrustIT {

    static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> SITES = List.of("site-0.example", "site-1.example", "site-2.example");

    @Test
    void aClientThatReachesTheWorkerDirectlyCannotShapeItsResume() throws Exception {
        try (Fleet fleet = Fleet.start("trust-w", 1, 16)) {
            WorkerProcess worker = fleet.workers().get(0);
            printWorkerLog(worker, "honoured only from");

            // Through the proxy: the proxy names each request's class (by Host) and the worker believes it.
            int throughProxy = 0;
            for (int i = 0; i < 60; i++) {
                ContentResponse r = fleet.request("/article", SITES.get(i % SITES.size()))
                        .headers(h -> h.put(Protocol.CLASS_HEADER, "spoofed-class")) // stripped by the proxy anyway
                        .send();
                assertEquals(200, r.getStatus(), r.getContentAsString());
                throughProxy++;
            }

            Optional<InetAddress> outside = nonLoopbackAddress(worker.port);
            int direct = 0;
            if (outside.isEmpty()) {
                System.out.println("DIRECT PART NOT RUN: this machine has no non-loopback IPv4 address that can reach 127.0.0.1;"
                        + " ResumeFilterTrustTest covers it with a substituted remote address");
            } else {
                HttpClient outsider = new HttpClient();
                outsider.setBindAddress(new InetSocketAddress(outside.get(), 0));
                outsider.start();
                try {
                    System.out.printf("direct client bound to %s (non-loopback), worker at %s%n", outside.get().getHostAddress(),
                            worker.url());
                    for (int i = 0; i < 60; i++) {
                        ContentResponse r = outsider.newRequest(worker.url() + "/article").timeout(10, TimeUnit.SECONDS)
                                .headers(h -> h.put(HttpHeader.HOST, "direct.example").put(Protocol.CLASS_HEADER, "spoofed-class"))
                                .send();
                        assertEquals(200, r.getStatus(), r.getContentAsString());
                        direct++;
                    }
                    for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.HEAD)) {
                        ContentResponse refused = outsider.newRequest(worker.url() + "/_resumelb/resume").method(method)
                                .timeout(10, TimeUnit.SECONDS).send();
                        String body = refused.getContentAsString().trim();
                        System.out.printf("%s %s/_resumelb/resume from %s -> %d %s%n", method, worker.url(),
                                outside.get().getHostAddress(), refused.getStatus(), body);
                        assertEquals(403, refused.getStatus(), "the résumé is refused to a non-loopback, non-lb address");
                        assertFalse(body.contains("127.0.0.1") || body.contains(outside.get().getHostAddress()) || body.contains("skills"),
                                "the refusal lists no address and no résumé: " + body);
                    }
                } finally {
                    outsider.stop();
                }
            }

            // The worker's résumé, read from loopback, once it has timed everything; then as the proxy holds it.
            Set<String> expected = new TreeSet<>(SITES);
            if (direct > 0) {
                expected.add("direct.example"); // the direct requests, classified by the worker's own classifier
            }
            Map<String, Double> served = awaitClasses("the worker's GET /_resumelb/resume", expected,
                    () -> workerResume(fleet.client, worker.url() + "/_resumelb/resume").skills());
            Map<String, Double> pooled = awaitClasses("the proxy's status?resumes=true", expected,
                    () -> ProxyStatus.withResumes(fleet.url()).resumes().getOrDefault(worker.url(), Map.of()));
            System.out.printf("%d requests through the proxy, %d direct with %s: spoofed-class; the worker serves %s;"
                    + " the proxy holds %s (requests per second)%n", throughProxy, direct, Protocol.CLASS_HEADER, rounded(served),
                    rounded(pooled));
            printWorkerLog(worker, "ignored the X-ResumeLB-Class", "refused GET");
            assertFalse(served.containsKey("spoofed-class"), "the worker's résumé: " + served);
            assertFalse(pooled.containsKey("spoofed-class"), "the proxy's view: " + pooled);
            assertEquals(expected, new TreeSet<>(served.keySet()), "exactly the proxy's classes (and the worker's own for direct requests)");
            assertEquals(expected, new TreeSet<>(pooled.keySet()));
            Map<String, Long> rejected = ProxyStatus.read(fleet.url()).rejected();
            System.out.println("proxy's rejected pushes: " + rejected);
        }
    }

    @Test
    void aProxyWithAnotherPrefixWorksEndToEnd() throws Exception {
        String prefix = "/_edge";
        try (ProxyNode proxy = new ProxyNode(0, Map.of("prefix", prefix));
             WorkerProcess worker = WorkerProcess.start("prefix-w1", 0, List.of(proxy.url()), "-Dresumelb.prefix=" + prefix)) {
            HttpClient client = new HttpClient();
            client.start();
            try {
                printWorkerLog(worker, "honoured only from");
                long start = System.nanoTime();
                JsonNode status = await("the worker to join the proxy at " + prefix, () -> {
                    JsonNode s = status(client, proxy.url() + prefix + "/status?resumes=true&classes=0");
                    for (JsonNode w : s.path("workers")) {
                        if (w.path("url").asText().equals(worker.url()) && w.path("state").asText().equals("active")) {
                            return s;
                        }
                    }
                    return null;
                });
                long joinMillis = (System.nanoTime() - start) / 1_000_000;
                for (int i = 0; i < 40; i++) {
                    ContentResponse r = client.newRequest(proxy.url() + "/article").timeout(10, TimeUnit.SECONDS)
                            .headers(h -> h.put(HttpHeader.HOST, SITES.get(0))).send();
                    assertEquals(200, r.getStatus(), r.getContentAsString());
                }
                Map<String, Double> served = awaitClasses("the worker's GET " + prefix + "/resume", Set.of(SITES.get(0)),
                        () -> workerResume(client, worker.url() + prefix + "/resume").skills());
                Map<String, Double> pooled = awaitClasses("the proxy's " + prefix + "/status?resumes=true", Set.of(SITES.get(0)),
                        () -> {
                            Map<String, Double> skills = new TreeMap<>();
                            JsonNode s = status(client, proxy.url() + prefix + "/status?resumes=true&classes=0");
                            for (JsonNode w : s.path("workers")) {
                                if (w.path("url").asText().equals(worker.url())) {
                                    w.path("resume").properties().forEach(e -> skills.put(e.getKey(), e.getValue().doubleValue()));
                                }
                            }
                            return skills;
                        });
                JsonNode after = status(client, proxy.url() + prefix + "/status?classes=0");
                ContentResponse defaultPath = client.newRequest(worker.url() + "/_resumelb/resume").timeout(10, TimeUnit.SECONDS).send();
                System.out.printf("prefix %s: worker joined in %d ms; pushes %s; worker serves %s at %s/resume, the proxy holds %s;"
                        + " the default path %s/_resumelb/resume is the application's now (%d, X-Worker %s)%n", prefix, joinMillis,
                        after.path("pushes"), served.keySet(), prefix, pooled.keySet(), worker.url(), defaultPath.getStatus(),
                        defaultPath.getHeaders().get("X-Worker"));
                assertTrue(served.containsKey(SITES.get(0)) && pooled.containsKey(SITES.get(0)));
                assertTrue(status.path("workers").size() >= 1);
                assertEquals(0, after.path("pushes").path("rejected").properties().stream()
                        .mapToLong(e -> e.getValue().asLong()).sum(), "no push refused: " + after.path("pushes"));
                assertEquals("prefix-w1", defaultPath.getHeaders().get("X-Worker"), "the newsroom itself answered the old path");
            } finally {
                client.stop();
            }
        }
    }

    static Map<String, Long> rounded(Map<String, Double> skills) {
        Map<String, Long> out = new TreeMap<>();
        skills.forEach((c, score) -> out.put(c, Math.round(score)));
        return out;
    }

    interface Reading<T> {
        T read() throws Exception;
    }

    /** Polls (bounded: 20 s) until the classes read include {@code expected}; returns the last reading. */
    static Map<String, Double> awaitClasses(String what, Set<String> expected, Reading<Map<String, Double>> reading) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        Map<String, Double> last;
        while (!(last = reading.read()).keySet().containsAll(expected)) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(what + ": classes " + last.keySet() + ", expected at least " + expected);
            }
            It.sleep(100);
        }
        return last;
    }

    static <T> T await(String what, Reading<T> reading) throws Exception {
        long deadline = System.currentTimeMillis() + Fleet.JOIN_MILLIS;
        T value;
        while ((value = reading.read()) == null) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            It.sleep(50);
        }
        return value;
    }

    static Resume workerResume(HttpClient client, String url) throws Exception {
        ContentResponse r = client.newRequest(url).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, r.getStatus(), url + ": " + r.getContentAsString());
        return CODEC.decode(r.getContent());
    }

    static JsonNode status(HttpClient client, String url) throws Exception {
        ContentResponse r = client.newRequest(url).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, r.getStatus(), url + ": " + r.getContentAsString());
        return JSON.readTree(r.getContent());
    }

    /**
     * An IPv4 address of an up, non-loopback interface from which a socket can
     * reach {@code 127.0.0.1:port}, or empty.
     */
    static Optional<InetAddress> nonLoopbackAddress(int port) throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (!(a instanceof Inet4Address) || a.isLoopbackAddress() || a.isLinkLocalAddress()) {
                    continue;
                }
                try (Socket s = new Socket()) {
                    s.bind(new InetSocketAddress(a, 0));
                    s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                    return Optional.of(a);
                } catch (IOException e) {
                    System.out.println("cannot reach 127.0.0.1 from " + a.getHostAddress() + " (" + nic.getName() + "): " + e);
                }
            }
        }
        return Optional.empty();
    }

    /** Prints the worker's log lines that contain any of {@code needles}: what an operator reads. */
    static void printWorkerLog(WorkerProcess worker, String... needles) throws IOException {
        Path log;
        try (Stream<Path> logs = Files.list(It.logs())) {
            log = logs.filter(p -> p.getFileName().toString().startsWith(worker.name + "-"))
                    .max(Comparator.comparingLong(p -> p.toFile().lastModified())).orElse(null);
        }
        if (log == null) {
            return;
        }
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            for (String needle : needles) {
                if (line.contains(needle)) {
                    System.out.println(worker.name + " log: " + line.replaceFirst("^.*? - ", ""));
                    break;
                }
            }
        }
    }
}
