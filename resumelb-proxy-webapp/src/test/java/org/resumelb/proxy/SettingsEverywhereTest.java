package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.Settings;
import org.resumelb.proxy.operations.RuntimeSettings;
import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.operations.Admin;
import org.resumelb.proxy.pool.SwitchablePool;

/**
 * A run-time setting is refused with the same message wherever it comes from:
 * web.xml (any settings source), an admin call, or the settings file. Values
 * here lie inside the pool's mathematical domain (variance &gt; 0,
 * hashBalanceFactor &gt; 1) but outside the operator limits, which is where
 * the two used to disagree.
 */
class SettingsEverywhereTest {

    static final String SECRET = "settings-test-secret-0123456789";

    static String fromWebXml(String name, String value) {
        Map<String, String> params = new HashMap<>(Map.of("secret", SECRET));
        params.put(name, value);
        ConfigException e = assertThrows(ConfigException.class, () -> ProxySettings.read(new Settings(java.util.List.of(Settings.of(params)))));
        assertEquals(name, e.setting());
        return e.getMessage();
    }

    @ParameterizedTest
    @CsvSource({"variance, 0.0005", "variance, 2000000", "hashBalanceFactor, 1.00005", "unskilledScore, 1e13",
            "backlogHistory, 2000000", "backlogHistory, 2.5", "policy, fastest"})
    void anAdminCallAndTheSettingsFileAreRefusedWithWebXmlsMessage(String name, String value, @TempDir Path dir) throws Exception {
        String expected = fromWebXml(name, value);
        assertTrue(expected.contains("'" + name + "' = '" + value + "'") && expected.contains("accepted"), expected);

        Object json = name.equals("policy") ? value
                : name.equals("backlogHistory") && !value.contains(".") ? (Object) Long.valueOf(value) : (Object) Double.valueOf(value);
        String literal = json instanceof String s ? "\"" + s + "\"" : value; // the number as the operator wrote it
        Map<String, Object> changes = RuntimeSettings.readObject(("{\"" + name + "\":" + literal + "}").getBytes(StandardCharsets.UTF_8));
        ConfigException runtime = assertThrows(ConfigException.class, () -> RuntimeSettings.DEFAULTS.with(changes));
        assertEquals(expected, runtime.getMessage(), "RuntimeSettings.with");

        SwitchablePool pool = new SwitchablePool("resume", RuntimeSettings.DEFAULTS.pool());
        WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC());
        Path file = dir.resolve("settings.json");
        Admin admin = new Admin(SECRET.getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(5), Clock.systemUTC(), pool, directory,
                file, RuntimeSettings.DEFAULTS);
        byte[] body = ("{\"sentAt\":" + System.currentTimeMillis() + ",\"nonce\":\"" + UUID.randomUUID()
                + "\",\"settings\":{\"" + name + "\":" + literal + "}}").getBytes(StandardCharsets.UTF_8);
        String path = "/_resumelb/admin/settings";
        Admin.Answer answer = admin.handle(path, "/settings", body, Admin.sign(SECRET.getBytes(StandardCharsets.UTF_8), path, body));
        assertEquals(400, answer.status());
        assertEquals(expected, answer.body(), "admin call");
        assertEquals(RuntimeSettings.DEFAULTS, admin.inForce(), "nothing changed");
        assertTrue(Files.notExists(file), "nothing written");
        directory.close();

        Files.writeString(file, "{\"" + name + "\": " + literal + "}");
        Map<String, String> params = Map.of("secret", SECRET, "settingsFile", file.toString());
        ProxySettings settings = ProxySettings.read(new Settings(java.util.List.of(Settings.of(params))));
        ConfigException fromFile = assertThrows(ConfigException.class, () -> LoadBalancer.start(settings));
        assertEquals("settingsFile", fromFile.setting());
        assertTrue(fromFile.getMessage().contains(file.toString()), "names the file: " + fromFile.getMessage());
        assertTrue(fromFile.getMessage().contains(expected), "settings file: " + fromFile.getMessage());
    }

    @Test
    void aValueWebXmlAcceptsIsAcceptedEverywhere() {
        ProxySettings s = ProxySettings.read(new Settings(java.util.List.of(Settings.of(Map.of("secret", SECRET, "variance", "0.001",
                "hashBalanceFactor", "100")))));
        assertEquals(s.runtime(), RuntimeSettings.DEFAULTS.with(Map.of("variance", 0.001, "hashBalanceFactor", 100)));
    }
}
