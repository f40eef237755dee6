package org.resumelb.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real servlet container distribution (Apache Tomcat 10.1 or Jetty 12
 * jetty-home with ee10-deploy) started as its own process on a loopback port,
 * serving one webapp as its root context: a WAR file deployed unmodified, or
 * an exploded webapp directory. Configuration comes only from what an
 * operator would give: environment variables, system properties, the
 * webapp's own web.xml. Output goes to {@code target/it-logs/<name>.log};
 * {@link #close()} always ends the process.
 */
final class ContainerProcess implements AutoCloseable {

    enum Kind { TOMCAT, JETTY }

    final String name;
    final int port;
    private final Process process;

    private ContainerProcess(String name, int port, Process process) {
        this.name = name;
        this.port = port;
        this.process = process;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Starts the container on {@code port}; {@code ${port}} in environment values and system properties is replaced by it. */
    static ContainerProcess start(Kind kind, String name, int port, Path webapp, Map<String, String> env, List<String> systemProperties)
            throws Exception {
        Path base = Files.createDirectories(Path.of(System.getProperty("it.dist", "target/dist"), "bases", name));
        deleteTree(base);
        Files.createDirectories(base);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        systemProperties.forEach(p -> command.add(p.replace("${port}", Integer.toString(port))));
        Path log = It.logs().resolve(name + ".log");
        if (kind == Kind.TOMCAT) {
            Path home = Path.of(System.getProperty("it.tomcat"));
            copyTree(home.resolve("conf"), base.resolve("conf"));
            for (String dir : List.of("webapps", "logs", "temp", "work")) {
                Files.createDirectories(base.resolve(dir));
            }
            Path serverXml = base.resolve("conf/server.xml");
            String xml = Files.readString(serverXml)
                    .replace("<Server port=\"8005\"", "<Server port=\"-1\"")
                    .replace("<Connector port=\"8080\"", "<Connector port=\"" + port + "\" address=\"127.0.0.1\"");
            Files.writeString(serverXml, xml);
            install(webapp, base.resolve("webapps"));
            command.addAll(List.of(
                    "-Dcatalina.home=" + home, "-Dcatalina.base=" + base, "-Djava.io.tmpdir=" + base.resolve("temp"),
                    "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
                    "-Djava.util.logging.config.file=" + base.resolve("conf/logging.properties"),
                    "-cp", home.resolve("bin/bootstrap.jar") + File.pathSeparator + home.resolve("bin/tomcat-juli.jar"),
                    "org.apache.catalina.startup.Bootstrap", "start"));
        } else {
            Path home = Path.of(System.getProperty("it.jetty"));
            Process setup = new ProcessBuilder(java, "-jar", home.resolve("start.jar").toString(), "--add-modules=http,ee10-deploy")
                    .directory(base.toFile()).redirectErrorStream(true).redirectOutput(base.resolve("setup.log").toFile()).start();
            if (!setup.waitFor(60, TimeUnit.SECONDS) || setup.exitValue() != 0) {
                setup.destroyForcibly();
                throw new IllegalStateException("jetty base set-up failed: " + Files.readString(base.resolve("setup.log")));
            }
            install(webapp, Files.createDirectories(base.resolve("webapps")));
            // Jetty unpacks webapps into ${jetty.base}/work when it exists, else into /tmp, where a killed server leaves them.
            Files.createDirectories(base.resolve("work"));
            command.addAll(List.of("-jar", home.resolve("start.jar").toString(),
                    "jetty.http.host=127.0.0.1", "jetty.http.port=" + port));
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        env.forEach((k, v) -> builder.environment().put(k, v.replace("${port}", Integer.toString(port))));
        return new ContainerProcess(name, port, builder.start());
    }

    /** The webapp as the root context: ROOT.war, or an exploded ROOT directory. */
    private static void install(Path webapp, Path webapps) throws IOException {
        if (Files.isDirectory(webapp)) {
            copyTree(webapp, webapps.resolve("ROOT"));
        } else {
            Files.copy(webapp, webapps.resolve("ROOT.war"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Waits (bounded) until {@code path} answers with a status other than 404 and 503; returns the milliseconds waited. */
    long awaitDeployed(org.eclipse.jetty.client.HttpClient client, String path, long timeoutMillis) throws Exception {
        long start = System.nanoTime();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited: " + tail());
            }
            try {
                int status = client.newRequest(url() + path).timeout(2, TimeUnit.SECONDS).send().getStatus();
                if (status != 404 && status != 503) {
                    return (System.nanoTime() - start) / 1_000_000;
                }
            } catch (Exception notYet) {
                // not listening yet
            }
            It.sleep(100);
        }
        throw new IllegalStateException(name + " did not deploy within " + timeoutMillis + " ms: " + tail());
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(It.logs().resolve(name + ".log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
