package org.resumelb.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.jetty.client.HttpClient;

/**
 * What the benchmark mains that run worker WARs share to start: where the WARs
 * are ({@code bench.wars}), where the figures go ({@code bench.out}), and the
 * load's HTTP client, and how the figures are written.
 */
final class BenchSetup {

    private BenchSetup() {
    }

    /** The directory of the worker WARs: {@code bench.wars}, by default {@code benchmarks/target/wars}. */
    static Path wars() {
        return Path.of(System.getProperty("bench.wars", "benchmarks/target/wars"));
    }

    /** The directory the figures go to: {@code bench.out}, by default {@code byDefault}. */
    static Path out(String byDefault) {
        return Path.of(System.getProperty("bench.out", byDefault));
    }

    /** Writes {@code text} to the file {@code name} in {@code out} (made if missing) and says so. */
    static void write(Path out, String name, CharSequence text) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve(name), text.toString());
        System.out.println("Written: " + out.resolve(name));
    }

    /** A started client for the load: up to {@code connections} per destination, redirects not followed. The caller stops it. */
    static HttpClient client(int connections) throws Exception {
        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(connections);
        client.setFollowRedirects(false);
        client.start();
        return client;
    }
}
