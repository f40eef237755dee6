package org.resumelb.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

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

    /** Ports this JVM has handed out; guarded by itself. */
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    /**
     * A loopback port free at the time of the call and never handed out before in this JVM. A container
     * process binds its port seconds after the call; without the memory, the kernel may offer the same
     * port again to the next caller in the meantime, and two containers then race for it.
     */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                port = s.getLocalPort();
            }
            synchronized (HANDED_OUT) {
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            }
        }
        throw new IOException("no loopback port that was not handed out already in 100 attempts");
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
