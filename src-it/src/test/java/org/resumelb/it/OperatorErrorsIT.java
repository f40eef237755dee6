package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees when a setting is wrong, in real Tomcat 10.1 and
 * Jetty 12 distributions (each its own process, the log being the
 * container's console output, {@code target/it-logs/<name>.log}):
 *
 * <ul>
 * <li>an invalid proxy setting ({@code RESUMELB_POLICY=fastest}) fails the
 *     deployment: the context does not start (Tomcat answers 404, Jetty 503),
 *     no stack trace reaches the client, and the log names the setting;</li>
 * <li>a misspelled name ({@code RESUMELB_POLCY}) is warned about, with the
 *     closest name, and the load balancer starts without it;</li>
 * <li>an invalid filter setting stops the whole host webapp (Tomcat 404,
 *     Jetty 503), as the README says in bold.</li>
 * </ul>
 *
 * The six containers start together, then each test reads its own.
 */
class OperatorErrorsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STACK_TRACE = Pattern.compile("Exception|\\bat (java|jakarta|org|com)\\.|\\.java:\\d+");

    static HttpClient client;
    static final List<ContainerProcess> processes = new ArrayList<>();
    static ContainerProcess badPolicyTomcat;
    static ContainerProcess badPolicyJetty;
    static ContainerProcess typoTomcat;
    static ContainerProcess typoJetty;
    static ContainerProcess badFilterTomcat;
    static ContainerProcess badFilterJetty;

    @BeforeAll
    static void startAll() throws Exception {
        client = new HttpClient();
        client.start();
        Path war = It.war("resumelb-proxy-webapp");
        Path dir = Path.of(System.getProperty("it.dist", "target/dist")).toAbsolutePath().resolveSibling("operator-errors");
        ContainerProcess.deleteTree(dir);
        Path plainSite = dropInWebapp(dir.resolve("plain-site"));
        ExecutorService starter = Executors.newFixedThreadPool(6);
        try {
            List<Future<ContainerProcess>> started = new ArrayList<>();
            for (ContainerProcess.Kind kind : ContainerProcess.Kind.values()) {
                String k = kind.name().toLowerCase();
                started.add(starter.submit(() -> ContainerProcess.start(kind, "operr-" + k + "-bad-policy", It.freePort(), war,
                        Map.of("RESUMELB_SECRET", It.SECRET, "RESUMELB_POLICY", "fastest"), List.of())));
                started.add(starter.submit(() -> ContainerProcess.start(kind, "operr-" + k + "-typo", It.freePort(), war,
                        Map.of("RESUMELB_SECRET", It.SECRET, "RESUMELB_POLCY", "round-robin"), List.of())));
                started.add(starter.submit(() -> ContainerProcess.start(kind, "operr-" + k + "-bad-filter", It.freePort(), plainSite,
                        Map.of("RESUMELB_LB", "http://127.0.0.1:9", "RESUMELB_WORKER_URL", "http://127.0.0.1:${port}",
                                "RESUMELB_SECRET", It.SECRET, "RESUMELB_RESUME_INTERVAL", "soon"), List.of())));
            }
            List<ContainerProcess> all = new ArrayList<>();
            Exception failure = null;
            for (Future<ContainerProcess> f : started) {
                try {
                    all.add(f.get(120, TimeUnit.SECONDS));
                } catch (Exception e) {
                    failure = failure == null ? e : failure;
                }
            }
            processes.addAll(all);
            if (failure != null) {
                throw failure;
            }
            badPolicyTomcat = all.get(0);
            typoTomcat = all.get(1);
            badFilterTomcat = all.get(2);
            badPolicyJetty = all.get(3);
            typoJetty = all.get(4);
            badFilterJetty = all.get(5);
        } finally {
            starter.shutdown();
        }
    }

    @AfterAll
    static void stopAll() throws Exception {
        for (ContainerProcess p : processes) {
            p.close();
        }
        if (client != null) {
            client.stop();
        }
    }

    @Test
    void invalidProxySettingStopsTheDeploymentInTomcat() throws Exception {
        failedDeployment(badPolicyTomcat, 404, "ResumeLB setting 'policy' = 'fastest'");
    }

    @Test
    void invalidProxySettingStopsTheDeploymentInJetty() throws Exception {
        failedDeployment(badPolicyJetty, 503, "ResumeLB setting 'policy' = 'fastest'");
    }

    @Test
    void invalidFilterSettingStopsTheHostWebappInTomcat() throws Exception {
        failedDeployment(badFilterTomcat, 404, "ResumeLB filter not started: ResumeLB setting 'resumeInterval' = 'soon'");
    }

    @Test
    void invalidFilterSettingStopsTheHostWebappInJetty() throws Exception {
        failedDeployment(badFilterJetty, 503, "ResumeLB filter not started: ResumeLB setting 'resumeInterval' = 'soon'");
    }

    @Test
    void misspelledProxySettingIsWarnedAboutInTomcat() throws Exception {
        misspelled(typoTomcat);
    }

    @Test
    void misspelledProxySettingIsWarnedAboutInJetty() throws Exception {
        misspelled(typoJetty);
    }

    /**
     * The container has finished starting, the log names the setting, and every
     * path answers {@code status} (the context is not running) without a stack trace.
     */
    private static void failedDeployment(ContainerProcess c, int status, String logged) throws Exception {
        long waited = awaitStarted(c);
        List<String> log = log(c);
        List<String> seen = log.stream()
                .filter(l -> l.contains("ResumeLB") || l.contains("SEVERE") || l.contains("WARN") || l.contains("Failed"))
                .filter(l -> !l.startsWith("\tat ") && !l.startsWith("Caused by"))
                .filter(l -> !l.contains("--add-opens") && !l.contains(":INFO :")) // the test's own Tomcat command line; Jetty's "Started" lines
                .toList();
        System.out.printf("%s: container started after %d ms; what an operator sees in %s.log:%n", c.name, waited, c.name);
        seen.forEach(l -> System.out.println("    " + ReadmeQuickStartIT.abbreviate(l)));
        assertTrue(log.stream().anyMatch(l -> l.contains(logged)), c.name + " logs '" + logged + "': " + seen);
        assertTrue(log.stream().noneMatch(l -> l.contains("ResumeLB proxy started") || l.contains("ResumeLB filter started")),
                c.name + ": nothing started");
        for (String path : List.of("/", "/index.html", "/_resumelb/status", "/news/1")) {
            ContentResponse r = client.newRequest(c.url() + path).timeout(10, TimeUnit.SECONDS).send();
            String body = r.getContentAsString();
            String text = body.replaceAll("(?s)<style.*?</style>", " ").replaceAll("<[^>]*>", " ").replaceAll("\\s+", " ").trim();
            System.out.printf("%s: GET %s -> %d, %d bytes: %s%n", c.name, path, r.getStatus(), body.length(),
                    ReadmeQuickStartIT.abbreviate(text));
            assertEquals(status, r.getStatus(), c.name + " GET " + path + ": " + body);
            assertFalse(STACK_TRACE.matcher(body).find(), c.name + " shows a stack trace to the client: " + body);
            assertFalse(body.contains("ResumeLB"), c.name + " shows ResumeLB's error to the client: " + body);
        }
    }

    /** The load balancer starts without the misspelled setting, and the log names it and the closest setting. */
    private static void misspelled(ContainerProcess c) throws Exception {
        long deployed = c.awaitDeployed(client, "/_resumelb/status", 90_000);
        JsonNode status = JSON.readTree(client.newRequest(c.url() + "/_resumelb/status?classes=0").timeout(10, TimeUnit.SECONDS)
                .send().getContent());
        List<String> log = log(c);
        List<String> warning = log.stream().filter(l -> l.contains("RESUMELB_POLCY")).toList();
        System.out.printf("%s: deployed after %d ms with RESUMELB_POLCY=round-robin; policy in force %s; the log says:%n",
                c.name, deployed, status.path("policy").asText());
        warning.forEach(l -> System.out.println("    " + ReadmeQuickStartIT.abbreviate(l)));
        assertEquals("resume", status.path("policy").asText(), "the misspelled setting is not applied");
        assertTrue(warning.stream().anyMatch(l -> l.contains("RESUMELB_POLICY")),
                c.name + ": a line names RESUMELB_POLCY and RESUMELB_POLICY: " + warning);
        assertTrue(log.stream().anyMatch(l -> l.contains("ResumeLB proxy started")), c.name + ": ResumeLB proxy started");
        assertTrue(log.stream().noneMatch(l -> l.contains("SLF4J(W)") || l.contains("SLF4J: ")), c.name + ": no SLF4J warning");
    }

    /** Waits (bounded) for the container to say it has started (its deployments done, failed or not). */
    private static long awaitStarted(ContainerProcess c) throws Exception {
        long start = System.nanoTime();
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            if (log(c).stream().anyMatch(l -> l.contains("Server startup in") || l.contains("Started oejs.Server@"))) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            It.sleep(100);
        }
        throw new AssertionError(c.name + " did not finish starting within 90 s: " + c.tail());
    }

    private static List<String> log(ContainerProcess c) throws IOException {
        Path log = It.logs().resolve(c.name + ".log");
        return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList() : List.of();
    }

    /** A webapp of static pages that knows nothing of ResumeLB, with the drop-in jar in WEB-INF/lib and no settings. */
    private static Path dropInWebapp(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("WEB-INF/lib"));
        Files.writeString(dir.resolve("index.html"), "<html><body>plain site</body></html>\n");
        Files.writeString(dir.resolve("WEB-INF/web.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <display-name>plain site</display-name>
                </web-app>
                """);
        Files.copy(Path.of(System.getProperty("it.dropin")), dir.resolve("WEB-INF/lib/resumelb-filter-all.jar"));
        return dir;
    }
}
