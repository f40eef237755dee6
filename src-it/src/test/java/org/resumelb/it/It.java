package org.resumelb.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the integration tests share: the secret, the WARs, ports, logs. */
final class It {

    static final String SECRET = "integration-test-secret-0123456789";

    private It() {
    }

    static Path war(String name) {
        Path war = Path.of(System.getProperty("it.wars", "target/wars")).resolve(name + ".war");
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException("missing " + war + " (run through mvn verify)");
        }
        return war;
    }

    static Path logs() throws IOException {
        return Files.createDirectories(Path.of(System.getProperty("it.logs", "target/it-logs")));
    }

    /** A loopback port free at the time of the call. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
