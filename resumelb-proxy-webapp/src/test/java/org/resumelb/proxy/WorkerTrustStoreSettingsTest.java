package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.Settings;

/**
 * The trust of https workers as settings: {@code workerTrustStore} with its
 * password from a file or the environment, the password never shown, and a
 * store that cannot be opened stops deployment with a message naming the
 * setting, the path and why.
 */
class WorkerTrustStoreSettingsTest {

    static final TestCertificates CERTS = TestCertificates.get();

    static ProxySettings read(Map<String, String> params) {
        return read(params, Map.of());
    }

    static ProxySettings read(Map<String, String> params, Map<String, String> environment) {
        Map<String, String> all = new HashMap<>(Map.of("secret", "trust-settings-secret-0123456789"));
        all.putAll(params);
        return ProxySettings.read(new Settings(List.of(Settings.environment(environment), Settings.of(all))));
    }

    static ConfigException refused(Map<String, String> params) {
        return assertThrows(ConfigException.class, () -> read(params));
    }

    @Test
    void unsetTheJvmsDefaultTrustStoreIsUsedAndVerificationIsOn() {
        ProxySettings s = read(Map.of());
        assertTrue(s.boundaries().workerTls().toString().startsWith("the JVM's default trust store"), s.boundaries().workerTls().toString());
        assertEquals("HTTPS", s.boundaries().workerTls().sslParameters().getEndpointIdentificationAlgorithm());
        assertEquals("", s.inForce().get("workerTrustStore"));
        assertNull(s.inForce().get("workerTrustStorePassword"));
    }

    @Test
    void theStoreOpensWithAPasswordFileAndThePasswordIsNeverShown() throws Exception {
        String file = CERTS.trustStorePasswordFile().toString();
        ProxySettings s = read(Map.of("workerTrustStore", CERTS.trustStore.toString(), "workerTrustStorePasswordFile", file));
        assertEquals("workerTrustStore " + CERTS.trustStore, s.boundaries().workerTls().toString());
        assertEquals("***", s.inForce().get("workerTrustStorePassword"));
        assertEquals(file, s.inForce().get("workerTrustStorePasswordFile"));
        assertFalse(s.inForce().toString().contains(CERTS.trustStorePassword));
    }

    @Test
    void orWithAPasswordFromTheEnvironment() {
        ProxySettings s = read(Map.of("workerTrustStore", CERTS.trustStore.toString()),
                Map.of("RESUMELB_WORKER_TRUST_STORE_PASSWORD", CERTS.trustStorePassword));
        assertEquals("workerTrustStore " + CERTS.trustStore, s.boundaries().workerTls().toString());
        assertEquals("***", s.inForce().get("workerTrustStorePassword"));
        assertFalse(s.inForce().toString().contains(CERTS.trustStorePassword));
    }

    @Test
    void aMissingStoreIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("workers.p12");
        ConfigException e = refused(Map.of("workerTrustStore", missing.toString()));
        assertEquals("workerTrustStore", e.setting());
        assertTrue(e.getMessage().startsWith("ResumeLB setting 'workerTrustStore' = '" + missing + "': no such file; accepted: a PKCS12"),
                e.getMessage());
    }

    @Test
    void aWrongPasswordIsNamedWithoutShowingIt(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "not-the-password\n");
        ConfigException e = refused(Map.of("workerTrustStore", CERTS.trustStore.toString(), "workerTrustStorePasswordFile", file.toString()));
        assertEquals("workerTrustStore", e.setting());
        assertTrue(e.getMessage().contains("'" + CERTS.trustStore + "': the password does not open it (check workerTrustStorePassword"
                + " or workerTrustStorePasswordFile)"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-password"), e.getMessage());
        ConfigException inline = refused(Map.of("workerTrustStore", CERTS.trustStore.toString(), "workerTrustStorePassword", "wrong-one"));
        assertFalse(inline.getMessage().contains("wrong-one"), inline.getMessage());
    }

    @Test
    void aStoreThatNeedsItsPasswordSaysSo() {
        ConfigException e = refused(Map.of("workerTrustStore", CERTS.trustStore.toString()));
        assertTrue(e.getMessage().contains("it holds no certificate that can be read without a password"), e.getMessage());
    }

    @Test
    void passwordsAreGivenOnceAndOnlyWithAStore(@TempDir Path dir) throws Exception {
        ConfigException alone = refused(Map.of("workerTrustStorePassword", "secret-password"));
        assertEquals("workerTrustStorePassword", alone.setting());
        assertTrue(alone.getMessage().contains("'***'") && alone.getMessage().contains("set workerTrustStore"), alone.getMessage());
        assertFalse(alone.getMessage().contains("secret-password"));
        ConfigException both = refused(Map.of("workerTrustStore", CERTS.trustStore.toString(), "workerTrustStorePassword", "x",
                "workerTrustStorePasswordFile", CERTS.trustStorePasswordFile().toString()));
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
        Path none = dir.resolve("no-password-file");
        ConfigException unreadable = refused(Map.of("workerTrustStore", CERTS.trustStore.toString(),
                "workerTrustStorePasswordFile", none.toString()));
        assertEquals("workerTrustStorePasswordFile", unreadable.setting());
        assertTrue(unreadable.getMessage().contains("cannot read the file"), unreadable.getMessage());
    }
}
