package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README's quick starts, run as written: the fenced blocks tagged
 * {@code quickstart-tomcat}, {@code quickstart-jetty}, {@code quickstart-workers}
 * and {@code admin-calls} are taken from README.md at test time (so the README
 * and this test cannot drift) and run with {@code bash -euo pipefail}, as an
 * operator would paste them, with only the variables at their top overridden:
 * fresh copies of the Tomcat 10.1 and jetty-home 12 distributions, the built
 * WAR and drop-in jar, a temporary secret directory, loopback and ephemeral
 * ports. Tomcat's port is set where an operator sets it, in the copy's
 * {@code conf/server.xml}, before the block runs.
 *
 * <p>Then, as an operator would check: both load balancers answer
 * {@code /_resumelb/status} with JSON and hold the context-param given without
 * repacking the WAR; the two workers started by the workers block join both;
 * requests through either load balancer reach the workers' webapp, path for
 * path; the logs say {@code ResumeLB proxy started}, one line per worker join,
 * nothing per request, no SLF4J warning; the README's signed admin calls
 * answer 200; a worker stopped normally drains. Every process the blocks start
 * is stopped by the process id they leave ({@code CATALINA_PID}, the
 * {@code jetty.pid} files).
 */
class ReadmeQuickStartIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SLF4J_WARNING = Pattern.compile("SLF4J\\((W|WARN)\\)|SLF4J: ");
    /**
     * ResumeLB lines that may come at any time, whatever the requests: a worker's push that failed (a push timeout
     * on a loaded machine) or works again, and a worker's join (its line may be written just after the pool shows it;
     * the joins are counted on their own below). Every other ResumeLB line written while the requests run counts as
     * one per request.
     */
    private static final Pattern BACKGROUND = Pattern.compile("ResumeLB push to \\S+ (failed|works again)"
            + "|ResumeLB worker \\S+ (answered over TLS and )?joined");
    /** How long one README block may run: the blocks' own waits are bounded (60 × 1 s per check). */
    private static final long BLOCK_SECONDS = 180;

    Path repo;
    Path work;
    HttpClient client;
    final List<Path> pidFiles = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        repo = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("..").normalize();
        Path target = Path.of(System.getProperty("it.dist", "target/dist")).toAbsolutePath().getParent();
        Path runs = Files.createDirectories(target.resolve("readme-it"));
        try (var old = Files.list(runs)) {
            for (Path run : old.toList()) {
                // the directories of earlier runs whose JVM is gone
                String name = run.getFileName().toString();
                if (name.matches("run-\\d+") && ProcessHandle.of(Long.parseLong(name.substring(4))).isEmpty()) {
                    ContainerProcess.deleteTree(run);
                }
            }
        }
        work = runs.resolve("run-" + ProcessHandle.current().pid());
        ContainerProcess.deleteTree(work);
        Files.createDirectories(work);
        client = new HttpClient();
        client.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        stopAll();
        client.stop();
    }

    @Test
    void quickStartsWorkAsWritten() throws Exception {
        long started = System.nanoTime();
        Path war = It.war("resumelb-proxy-webapp");
        Path secretDir = work.resolve("etc/resumelb");

        // Deploy in Tomcat: a fresh Tomcat, its port set in conf/server.xml as an operator would.
        Path tomcat = work.resolve("apache-tomcat-10.1");
        ContainerProcess.copyTree(Path.of(System.getProperty("it.tomcat")), tomcat);
        int tomcatPort = It.freePort();
        Path serverXml = tomcat.resolve("conf/server.xml");
        String xml = Files.readString(serverXml);
        assertTrue(xml.contains("<Connector port=\"8080\""), "Tomcat's stock server.xml listens on 8080");
        Files.writeString(serverXml, xml.replace("<Server port=\"8005\"", "<Server port=\"-1\"")
                .replace("<Connector port=\"8080\"", "<Connector port=\"" + tomcatPort + "\" address=\"127.0.0.1\""));
        assertTrue(Files.isDirectory(tomcat.resolve("webapps/ROOT")), "the distribution has its stock ROOT webapp");
        Path catalinaPid = work.resolve("tomcat.pid");
        pidFiles.add(catalinaPid);
        Run tomcatRun = run("quickstart-tomcat", vars("CATALINA_HOME", tomcat, "PROXY_WAR", war, "SECRET_DIR", secretDir,
                "PORT", tomcatPort, "CATALINA_PID", catalinaPid));
        String tomcatUrl = "http://127.0.0.1:" + tomcatPort;
        Path tomcatLog = tomcat.resolve("logs/catalina.out");
        assertFalse(Files.exists(tomcat.resolve("webapps/ROOT/index.jsp")), "Tomcat's stock ROOT webapp removed");
        Path secret = secretDir.resolve("secret");
        assertTrue(Files.size(secret) >= 16, "a secret of at least 16 bytes");
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(secret),
                "the secret file is readable by its owner only");
        JsonNode tomcatStatus = checkProxy("Tomcat", tomcatRun, tomcatUrl);

        // Deploy in Jetty: a fresh jetty-home, a new Jetty base; the same secret directory (the block keeps an existing secret).
        Path jettyHome = work.resolve("jetty-home-12");
        ContainerProcess.copyTree(Path.of(System.getProperty("it.jetty")), jettyHome);
        Path jettyBase = work.resolve("resumelb-proxy");
        int jettyPort = It.freePort();
        pidFiles.add(jettyBase.resolve("jetty.pid"));
        String secretBefore = Files.readString(secret);
        Run jettyRun = run("quickstart-jetty", vars("JETTY_HOME", jettyHome, "JETTY_BASE", jettyBase, "PROXY_WAR", war,
                "SECRET_DIR", secretDir, "LISTEN_ADDRESS", "127.0.0.1", "PORT", jettyPort));
        String jettyUrl = "http://127.0.0.1:" + jettyPort;
        Path jettyLog = jettyBase.resolve("logs/jetty.log");
        assertEquals(secretBefore, Files.readString(secret), "a second quick start keeps the existing secret");
        JsonNode jettyStatus = checkProxy("Jetty", jettyRun, jettyUrl);
        assertEquals(tomcatStatus.path("settings").path("secretFile").asText(), jettyStatus.path("settings").path("secretFile").asText());

        // Two workers: "your webapp" knows nothing of ResumeLB; the block adds the drop-in jar and each JVM's settings.
        Path webapp = yourWebapp(work.resolve("your-webapp-1.0"));
        int port1 = It.freePort();
        int port2 = It.freePort();
        Path workersDir = work.resolve("resumelb-workers");
        pidFiles.add(workersDir.resolve("worker-" + port1 + "/jetty.pid"));
        pidFiles.add(workersDir.resolve("worker-" + port2 + "/jetty.pid"));
        Run workersRun = run("quickstart-workers", vars("JETTY_HOME", jettyHome, "WEBAPP", webapp,
                "FILTER_JAR", Path.of(System.getProperty("it.dropin")), "SECRET_DIR", secretDir,
                "LB_URL", tomcatUrl + "," + jettyUrl, "WORKERS_DIR", workersDir, "LISTEN_ADDRESS", "127.0.0.1",
                "WORKER_HOST", "127.0.0.1", "WORKER_PORTS", port1 + " " + port2));
        workersRun.print();
        assertEquals(0, workersRun.exit, "the workers block succeeds");
        String worker1 = "http://127.0.0.1:" + port1;
        String worker2 = "http://127.0.0.1:" + port2;
        Set<String> workers = Set.of(worker1, worker2);
        long tomcatJoin = ProxyStatus.awaitWorkers(tomcatUrl, workers, 60_000);
        long jettyJoin = ProxyStatus.awaitWorkers(jettyUrl, workers, 60_000);
        System.out.printf("README workers: both workers live in Tomcat's pool (%d ms after the block ended) and Jetty's (%d ms)%n",
                tomcatJoin, tomcatJoin + jettyJoin);
        assertTrue(workersRun.output.contains("\"url\":\"" + worker1 + "\"") && workersRun.output.contains("\"url\":\"" + worker2 + "\""),
                "the block lists both workers: " + workersRun.output);
        assertTrue(workersRun.output.contains("GET " + tomcatUrl + "/ -> HTTP 200")
                && workersRun.output.contains("GET " + jettyUrl + "/ -> HTTP 200"), "the block's GET through each LB: " + workersRun.output);

        // Requests through each load balancer reach the workers' webapp, path for path (lb/hello/x -> {workerUrl}/hello/x).
        List<Path> logs = List.of(tomcatLog, jettyLog, workersDir.resolve("worker-" + port1 + "/logs/jetty.log"),
                workersDir.resolve("worker-" + port2 + "/logs/jetty.log"));
        Map<Path, Long> resumeLbLinesBefore = new LinkedHashMap<>();
        for (Path log : logs) {
            resumeLbLinesBefore.put(log, lines(log).stream().filter(ReadmeQuickStartIT::perRequestCandidate).count());
        }
        String probe = "probe-" + UUID.randomUUID();
        for (String lb : List.of(tomcatUrl, jettyUrl)) {
            for (int i = 0; i < 12; i++) {
                String host = "site-" + i + ".example";
                ContentResponse r = client.newRequest(lb + "/hello/x.html?" + probe).headers(h -> h.put(HttpHeader.HOST, host))
                        .timeout(30, TimeUnit.SECONDS).send();
                assertEquals(200, r.getStatus(), lb + " " + host + ": " + r.getContentAsString());
                assertTrue(r.getContentAsString().contains("hello/x of your webapp"), r.getContentAsString());
            }
            ContentResponse root = client.newRequest(lb + "/").timeout(30, TimeUnit.SECONDS).send();
            assertTrue(root.getContentAsString().contains("root page of your webapp"), "/ is the workers' root: " + root.getContentAsString());
        }
        Map<String, Integer> tomcatRequests = requestsPerWorker(tomcatUrl);
        Map<String, Integer> jettyRequests = requestsPerWorker(jettyUrl);
        System.out.printf("README workers: 13 GETs through each load balancer, all 200 from your webapp; requests per worker:"
                + " Tomcat LB %s, Jetty LB %s%n", tomcatRequests, jettyRequests);
        assertTrue(tomcatRequests.values().stream().mapToInt(Integer::intValue).sum() >= 13, "Tomcat LB routed: " + tomcatRequests);
        assertTrue(jettyRequests.values().stream().mapToInt(Integer::intValue).sum() >= 13, "Jetty LB routed: " + jettyRequests);

        // The logs an operator reads.
        It.sleep(500);
        for (Path log : logs) {
            List<String> lines = lines(log);
            assertTrue(lines.stream().noneMatch(l -> l.contains(probe)), log + " logs per request: " + probe);
            List<String> candidates = lines.stream().filter(ReadmeQuickStartIT::perRequestCandidate).toList();
            assertEquals(resumeLbLinesBefore.get(log), candidates.size(), log + ": no ResumeLB line per request; new lines: "
                    + candidates.subList((int) Math.min(resumeLbLinesBefore.get(log), candidates.size()), candidates.size()));
            assertTrue(lines.stream().noneMatch(l -> SLF4J_WARNING.matcher(l).find()), log + " has an SLF4J warning: " + grep(lines, "SLF4J"));
        }
        for (Path log : List.of(tomcatLog, jettyLog)) {
            List<String> lines = lines(log);
            System.out.printf("README: %s, what an operator sees (ResumeLB lines):%n", repo.relativize(log));
            grep(lines, "ResumeLB").forEach(l -> System.out.println("    " + abbreviate(l)));
            assertTrue(lines.stream().anyMatch(l -> l.contains("ResumeLB proxy started")), log + ": " + grep(lines, "ResumeLB"));
            for (String w : workers) {
                long joins = lines.stream().filter(l -> l.contains("ResumeLB worker " + w + " joined")).count();
                assertEquals(1, joins, log + ": one line per worker join of " + w + ": " + grep(lines, "ResumeLB"));
            }
        }
        for (Path log : logs.subList(2, 4)) {
            List<String> filterLines = grep(lines(log), "ResumeLB filter started");
            System.out.printf("README: %s: %s%n", repo.relativize(log), filterLines.stream().map(ReadmeQuickStartIT::abbreviate).toList());
            assertEquals(1, filterLines.size(), log + ": " + filterLines);
        }

        // The README's signed admin calls, against the Tomcat load balancer.
        Run admin = run("admin-calls", vars("SECRET_DIR", secretDir, "LB_URL", tomcatUrl));
        admin.print();
        assertEquals(0, admin.exit);
        assertEquals(2, admin.output.split(Pattern.quote("[HTTP 200]"), -1).length - 1, "both admin calls answer 200: " + admin.output);
        assertTrue(admin.output.contains("\"reset\""), admin.output);
        assertEquals(1.5, status(tomcatUrl).path("settings").path("variance").asDouble(), "the settings call applied");

        // Stopping a worker normally drains it.
        long stopping = System.nanoTime();
        stop(workersDir.resolve("worker-" + port1 + "/jetty.pid"));
        String draining = awaitLine(tomcatLog, "ResumeLB worker " + worker1 + " is draining", 20_000);
        System.out.printf("README: worker stopped with kill $(cat jetty.pid); Tomcat LB after %d ms: %s%n",
                (System.nanoTime() - stopping) / 1_000_000, abbreviate(draining));
        System.out.printf("README quick starts: Tomcat block %d ms, Jetty block %d ms, workers block %d ms, admin block %d ms;"
                        + " whole test %d ms%n", tomcatRun.millis, jettyRun.millis, workersRun.millis, admin.millis,
                (System.nanoTime() - started) / 1_000_000);
    }

    /** The block ran, the load balancer answers its status as JSON, with the context-param set outside the WAR. */
    private JsonNode checkProxy(String container, Run run, String url) throws Exception {
        run.print();
        assertEquals(0, run.exit, container + " quick start fails");
        assertTrue(run.output.contains("{\"policy\":\"resume\""), "the block prints the status: " + run.output);
        ContentResponse r = client.newRequest(url + "/_resumelb/status").timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, r.getStatus());
        assertTrue(r.getMediaType().equals("application/json"), r.getMediaType());
        JsonNode status = JSON.readTree(r.getContent());
        JsonNode settings = status.path("settings");
        System.out.printf("README %s: GET %s/_resumelb/status -> 200 %s, %d workers, queueTimeout %s, secret %s from %s%n",
                container, url, r.getMediaType(), status.path("workers").size(), settings.path("queueTimeout").asText(),
                settings.path("secret").asText(), settings.path("secretFile").asText());
        assertEquals("PT30S", settings.path("queueTimeout").asText(), "the context-param given without repacking the WAR");
        assertEquals("***", settings.path("secret").asText());
        assertTrue(settings.path("secretFile").asText().endsWith("/etc/resumelb/secret"), settings.toString());
        assertEquals(0, status.path("workers").size());
        return status;
    }

    private JsonNode status(String url) throws Exception {
        return JSON.readTree(client.newRequest(url + "/_resumelb/status?classes=0").timeout(10, TimeUnit.SECONDS).send().getContent());
    }

    private Map<String, Integer> requestsPerWorker(String url) throws Exception {
        Map<String, Integer> out = new TreeMap<>();
        status(url).path("workers").forEach(w -> out.put(w.path("url").asText(), w.path("requests").asInt()));
        return out;
    }

    /** A plain webapp of static pages that knows nothing of ResumeLB. */
    private static Path yourWebapp(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("WEB-INF"));
        Files.createDirectories(dir.resolve("hello"));
        Files.writeString(dir.resolve("index.html"), "<html><body>root page of your webapp</body></html>\n");
        Files.writeString(dir.resolve("hello/x.html"), "<html><body>hello/x of your webapp</body></html>\n");
        Files.writeString(dir.resolve("WEB-INF/web.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <display-name>your webapp</display-name>
                </web-app>
                """);
        return dir;
    }

    // ---- running README blocks

    record Run(String tag, int exit, String output, long millis) {
        void print() {
            System.out.printf("README block %s: exit %d after %d ms; its output:%n", tag, exit, millis);
            output.lines().filter(l -> !l.startsWith("INFO  : "))
                    .forEach(l -> System.out.println("    " + abbreviate(l)));
        }
    }

    private static Map<String, String> vars(Object... keysAndValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put((String) keysAndValues[i], keysAndValues[i + 1].toString());
        }
        return out;
    }

    /** The one fenced block of README.md whose info string is {@code <language> <tag>}. */
    static String block(Path readme, String tag) throws IOException {
        List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
        Pattern open = Pattern.compile("^```[\\w-]*\\s+" + Pattern.quote(tag) + "\\s*$");
        List<String> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (open.matcher(lines.get(i)).matches()) {
                StringBuilder b = new StringBuilder();
                int j = i + 1;
                while (j < lines.size() && !lines.get(j).startsWith("```")) {
                    b.append(lines.get(j)).append('\n');
                    j++;
                }
                if (j == lines.size()) {
                    fail(readme + ": block " + tag + " is not closed");
                }
                found.add(b.toString());
                i = j;
            }
        }
        if (found.size() != 1) {
            fail(readme + " has " + found.size() + " blocks tagged " + tag + ", expected one");
        }
        return found.get(0);
    }

    /**
     * Runs a README block with {@code bash -euo pipefail}, from the repository's
     * root, with {@code vars} in the environment (inherited {@code RESUMELB_*}
     * variables and container options are removed, as in a fresh shell), this
     * JVM's Java first on the PATH.
     */
    private Run run(String tag, Map<String, String> vars) throws Exception {
        Path readme = repo.resolve("README.md");
        Path script = work.resolve(tag + ".sh");
        Files.writeString(script, block(readme, tag));
        Path out = work.resolve(tag + ".out");
        ProcessBuilder builder = new ProcessBuilder("bash", "-euo", "pipefail", script.toString())
                .directory(repo.toFile()).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.toLowerCase(Locale.ROOT).startsWith("resumelb")
                || List.of("CATALINA_BASE", "CATALINA_OPTS", "JAVA_OPTS", "JETTY_BASE").contains(k));
        String javaHome = System.getProperty("java.home");
        env.put("JAVA_HOME", javaHome);
        env.put("PATH", Path.of(javaHome, "bin") + File.pathSeparator + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.putAll(vars);
        long start = System.nanoTime();
        Process bash = builder.start();
        if (!bash.waitFor(BLOCK_SECONDS, TimeUnit.SECONDS)) {
            bash.descendants().forEach(ProcessHandle::destroy);
            bash.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("README block " + tag + " did not end within " + BLOCK_SECONDS + " s: " + Files.readString(out));
        }
        return new Run(tag, bash.exitValue(), Files.readString(out), (System.nanoTime() - start) / 1_000_000);
    }

    // ---- processes and logs

    /** Ends the process whose id the file holds (TERM, then KILL after 20 s); nothing when there is none. */
    private static void stop(Path pidFile) throws IOException {
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        String pid = Files.readString(pidFile).trim();
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(pid));
        process.ifPresent(ReadmeQuickStartIT::end);
    }

    private static void end(ProcessHandle p) {
        p.destroy();
        try {
            p.onExit().get(20, TimeUnit.SECONDS);
        } catch (Exception notYet) {
            p.destroyForcibly();
        }
    }

    /**
     * Stops what the blocks started: by their pid files, then any process left
     * whose command line names this run's directory (a block that failed before
     * writing its pid file).
     */
    private void stopAll() throws IOException {
        for (Path pidFile : pidFiles) {
            stop(pidFile);
        }
        String marker = work.toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .forEach(ReadmeQuickStartIT::end);
    }

    private static List<String> lines(Path log) throws IOException {
        // Leniently decoded: a log is read while the container writes it.
        return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList() : List.of();
    }

    /** A ResumeLB line that is not {@link #BACKGROUND}. */
    private static boolean perRequestCandidate(String line) {
        return line.contains("ResumeLB") && !BACKGROUND.matcher(line).find();
    }

    private static List<String> grep(List<String> lines, String word) {
        return lines.stream().filter(l -> l.contains(word)).toList();
    }

    private static String awaitLine(Path log, String text, long timeoutMillis) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            Optional<String> line = lines(log).stream().filter(l -> l.contains(text)).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            It.sleep(100);
        }
        throw new AssertionError(log + " has no line '" + text + "' within " + timeoutMillis + " ms: " + grep(lines(log), "ResumeLB"));
    }

    static String abbreviate(String line) {
        return line.length() > 260 ? line.substring(0, 260) + "…" : line;
    }
}
