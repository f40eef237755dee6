package org.resumelb.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Certificates made for the tests by the JDK's {@code keytool}, run as a real
 * process as an operator would, into a temporary directory deleted when the
 * JVM exits; no private key is ever committed. Made once per JVM (about ten
 * keytool runs), then shared; immutable after that, so safe from any thread.
 *
 * <ul>
 * <li>{@link #trustStore}: a PKCS12 trust store holding only the test CA's certificate, as a load balancer's
 *     {@code workerTrustStore} would, with password {@link #trustStorePassword}.
 * <li>{@link #worker}: a worker's key and certificate signed by the test CA, naming {@code ip:127.0.0.1}.
 * <li>{@link #wrongName}: signed by the test CA too, but naming only {@code dns:worker.invalid}.
 * <li>{@link #untrusted}: a self-signed certificate naming {@code ip:127.0.0.1}: nothing trusts it.
 * </ul>
 * Key stores are PKCS12 with password {@link #keyStorePassword}.
 */
public final class TestCertificates {

    private static TestCertificates made;

    public final Path dir;
    public final Path trustStore;
    public final String trustStorePassword;
    public final Path worker;
    public final Path wrongName;
    public final Path untrusted;
    public final String keyStorePassword;

    private TestCertificates(Path dir) throws Exception {
        this.dir = dir;
        SecureRandom random = new SecureRandom();
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        trustStorePassword = "trust-" + HexFormat.of().formatHex(bytes, 0, 8);
        keyStorePassword = "keys-" + HexFormat.of().formatHex(bytes, 8, 16);
        Path ca = dir.resolve("ca.p12");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=ResumeLB test CA",
                "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore", ca.toString(), "-storepass", keyStorePassword);
        Path caPem = dir.resolve("ca.pem");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", keyStorePassword,
                "-file", caPem.toString());
        trustStore = dir.resolve("workers-trust.p12");
        keytool("-importcert", "-noprompt", "-alias", "resumelb-test-ca", "-file", caPem.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", trustStorePassword);
        worker = signed("worker", "CN=127.0.0.1", "san=ip:127.0.0.1", ca, caPem);
        wrongName = signed("wrong-name", "CN=worker.invalid", "san=dns:worker.invalid", ca, caPem);
        untrusted = dir.resolve("untrusted.p12");
        keytool("-genkeypair", "-alias", "worker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", untrusted.toString(),
                "-storepass", keyStorePassword);
    }

    /** The certificates of this JVM, made at the first call. */
    public static synchronized TestCertificates get() {
        if (made == null) {
            try {
                Path dir = Files.createTempDirectory("resumelb-test-certs");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
                made = new TestCertificates(dir);
            } catch (Exception e) {
                throw new IllegalStateException("cannot make the test certificates with keytool", e);
            }
        }
        return made;
    }

    /**
     * A key store with a key whose certificate, naming {@code san}, is signed by the CA in {@code ca}: keytool makes
     * the key, its request and the signed certificate; the chain (certificate, CA) is then stored with the key.
     */
    private Path signed(String name, String dname, String san, Path ca, Path caPem) throws Exception {
        Path store = dir.resolve(name + ".p12");
        keytool("-genkeypair", "-alias", "worker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", keyStorePassword);
        Path request = dir.resolve(name + ".csr");
        keytool("-certreq", "-alias", "worker", "-keystore", store.toString(), "-storepass", keyStorePassword,
                "-file", request.toString());
        Path certificate = dir.resolve(name + ".pem");
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", keyStorePassword,
                "-infile", request.toString(), "-outfile", certificate.toString(), "-ext", san, "-ext", "eku=serverAuth",
                "-validity", "2");
        char[] password = keyStorePassword.toCharArray();
        KeyStore keys = KeyStore.getInstance(store.toFile(), password);
        Key key = keys.getKey("worker", password);
        keys.setKeyEntry("worker", key, password, new Certificate[] {certificate(certificate), certificate(caPem)});
        try (OutputStream out = Files.newOutputStream(store)) {
            keys.store(out, password);
        }
        return store;
    }

    private static Certificate certificate(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Runs keytool, bounded; fails with its output when it fails. */
    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("keytool " + args[0] + " did not end within 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed (" + p.exitValue() + "): "
                    + new String(output, StandardCharsets.UTF_8));
        }
    }

    /**
     * A connector serving TLS on a loopback ephemeral port with the key and certificate of {@code keyStore} (one of
     * {@link #worker}, {@link #wrongName}, {@link #untrusted}), configured as the README tells operators of Jetty
     * workers behind ResumeLB ({@code jetty.ssl.sniHostCheck=false}): proxied requests keep their client's
     * {@code Host}, which the worker's certificate does not name, and Jetty's SNI host check would answer them 400.
     */
    public ServerConnector tlsConnector(Server server, Path keyStore) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(keyStore.toString());
        ssl.setKeyStorePassword(keyStorePassword);
        ssl.setKeyStoreType("PKCS12");
        HttpConfiguration https = new HttpConfiguration();
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        ServerConnector connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, "http/1.1"),
                new HttpConnectionFactory(https));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        return connector;
    }

    /** A file holding the trust store's password, as a {@code workerTrustStorePasswordFile} would. */
    public synchronized Path trustStorePasswordFile() throws IOException {
        Path file = dir.resolve("workers-trust.password");
        if (!Files.exists(file)) {
            Files.writeString(file, trustStorePassword + "\n", StandardCharsets.UTF_8);
        }
        return file;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left to the system
        }
    }
}
