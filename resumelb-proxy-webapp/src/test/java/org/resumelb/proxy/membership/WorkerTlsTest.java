package org.resumelb.proxy.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resumelb.proxy.TestCertificates;
import org.resumelb.proxy.route.Failure;

/**
 * The trust of https workers ({@link WorkerTls}) as the load balancer's probe
 * ({@link WorkerProbe}) meets real TLS servers (embedded Jetty on loopback)
 * with certificates made by keytool ({@link TestCertificates}): a certificate
 * signed by the trusted CA is reached; a self-signed one, one naming another
 * host, or one the JVM's default trust store does not know is not, and the
 * probe says why. Trust stores that cannot be used are refused in words.
 */
class WorkerTlsTest {

    static final TestCertificates CERTS = TestCertificates.get();

    final TestWorkers servers = new TestWorkers();

    @AfterEach
    void stop() throws Exception {
        servers.close();
    }

    static WorkerTls trusted() {
        return WorkerTls.load(CERTS.trustStore, CERTS.trustStorePassword.toCharArray());
    }

    /** A server answering 200 to everything over TLS with the certificate of {@code keyStore}; returns its https URL. */
    String serve(Path keyStore) throws Exception {
        return servers.https(CERTS, keyStore, 0);
    }

    /** What the probe says of {@code url}: null when it answered; a failed TLS handshake is a lasting failure. */
    static String problem(WorkerTls tls, String url) throws Exception {
        Readmission.Unreachable problem = new WorkerProbe(Duration.ofSeconds(5), tls).problem(url).get(20, TimeUnit.SECONDS);
        if (problem != null) {
            assertEquals(problem.why().startsWith("TLS handshake failed"), problem.lasting(), problem.toString());
        }
        return problem == null ? null : problem.why();
    }

    @Test
    void aCertificateSignedByTheTrustedCaIsReached() throws Exception {
        assertNull(problem(trusted(), serve(CERTS.worker)));
    }

    @Test
    void anUntrustedCertificateIsNotAndTheProbeSaysWhy() throws Exception {
        String problem = problem(trusted(), serve(CERTS.untrusted));
        assertTrue(problem.startsWith("TLS handshake failed: certificate not trusted by workerTrustStore " + CERTS.trustStore + " ("),
                problem);
    }

    @Test
    void theHostNameIsVerified() throws Exception {
        String problem = problem(trusted(), serve(CERTS.wrongName));
        assertTrue(problem.startsWith("TLS handshake failed: certificate rejected (") && problem.contains("127.0.0.1")
                && problem.contains("must name the host"), problem);
    }

    @Test
    void withoutATrustStoreTheJvmsDefaultDoesNotTrustATestCa() throws Exception {
        String problem = problem(WorkerTls.jvmDefault(), serve(CERTS.worker));
        assertTrue(problem.startsWith("TLS handshake failed: certificate not trusted by the JVM's default trust store"), problem);
    }

    @Test
    void aWorkerServingPlainHttpOnItsHttpsUrlIsNamedSo() throws Exception {
        Server server = new Server();
        ServerConnector plain = new ServerConnector(server, 1, 1);
        plain.setHost("127.0.0.1");
        String url = servers.start(server, plain, 200, "https");
        String problem = problem(trusted(), url);
        assertTrue(problem.startsWith("TLS handshake failed (") && problem.contains("does the worker serve https"), problem);
    }

    @Test
    void aTlsFailureIsAConnectionFailureAndOthersAreShownAsThey() {
        SSLHandshakeException handshake = new SSLHandshakeException("PKIX path building failed");
        assertEquals(Failure.CONNECTION, Failure.classify(handshake, false), "the worker is ejected");
        assertEquals(Failure.CONNECTION, Failure.classify(new java.util.concurrent.ExecutionException(handshake), false));
        assertTrue(WorkerTls.isTls(new java.io.IOException(handshake)));
        assertFalse(WorkerTls.isTls(new ConnectException("Connection refused")));
        assertEquals("java.net.ConnectException: Connection refused", trusted().describe(new ConnectException("Connection refused")));
        assertEquals("java.net.ConnectException: Connection refused",
                trusted().describe(new java.util.concurrent.CompletionException(new ConnectException("Connection refused"))));
    }

    @Test
    void unusableTrustStoresAreRefusedInWords(@TempDir Path dir) throws Exception {
        char[] password = CERTS.trustStorePassword.toCharArray();
        assertEquals("no such file",
                assertThrows(IllegalArgumentException.class, () -> WorkerTls.load(dir.resolve("none.p12"), password)).getMessage());
        String wrong = assertThrows(IllegalArgumentException.class,
                () -> WorkerTls.load(CERTS.trustStore, "not-the-password".toCharArray())).getMessage();
        assertTrue(wrong.startsWith("the password does not open it"), wrong);
        assertFalse(wrong.contains("not-the-password"), wrong);
        String noPassword = assertThrows(IllegalArgumentException.class, () -> WorkerTls.load(CERTS.trustStore, null)).getMessage();
        assertTrue(noPassword.startsWith("it holds no certificate that can be read without a password"), noPassword);
        Path text = Files.writeString(dir.resolve("trust.txt"), "not a key store\n");
        String notAStore = assertThrows(IllegalArgumentException.class, () -> WorkerTls.load(text, password)).getMessage();
        assertTrue(notAStore.contains("PKCS12 or JKS"), notAStore);
        Path empty = dir.resolve("empty.p12");
        KeyStore none = KeyStore.getInstance("PKCS12");
        none.load(null, null);
        try (OutputStream out = Files.newOutputStream(empty)) {
            none.store(out, password);
        }
        assertEquals("it holds no certificate",
                assertThrows(IllegalArgumentException.class, () -> WorkerTls.load(empty, password)).getMessage());
    }

    @Test
    void aJksTrustStoreIsAcceptedToo(@TempDir Path dir) throws Exception {
        char[] password = CERTS.trustStorePassword.toCharArray();
        KeyStore pkcs12 = KeyStore.getInstance(CERTS.trustStore.toFile(), password);
        KeyStore jks = KeyStore.getInstance("JKS");
        jks.load(null, null);
        for (String alias : java.util.Collections.list(pkcs12.aliases())) {
            jks.setCertificateEntry(alias, pkcs12.getCertificate(alias));
        }
        Path store = dir.resolve("workers-trust.jks");
        try (OutputStream out = Files.newOutputStream(store)) {
            jks.store(out, password);
        }
        assertNull(problem(WorkerTls.load(store, password), serve(CERTS.worker)));
    }
}
