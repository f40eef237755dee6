package org.resumelb.agent.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    static Settings settings(Map<String, String> first, Map<String, String> second) {
        return new Settings(List.of(Settings.of(first), Settings.of(second)));
    }

    static Settings settings(Map<String, String> values) {
        return settings(values, Map.of());
    }

    @Test
    void earlierSourcesWinAndBlankCountsAsUnset() {
        Settings s = settings(Map.of("variance", "2.5", "history", " "), Map.of("variance", "9", "history", "50"));
        assertEquals(2.5, s.decimal("variance", 1.0, 0, 100));
        assertEquals(50, s.integer("history", 100, 2, 1000));
        assertEquals(7, s.integer("absent", 7, 0, 10));
        assertEquals(Map.of("variance", "2.5", "history", "50", "absent", "7"), s.inForce());
    }

    @Test
    void environmentNamesAreUpperSnakeCase() {
        assertEquals("RESUMELB_WORKER_TTL", Settings.environmentName("workerTtl"));
        assertEquals("RESUMELB_LB", Settings.environmentName("lb"));
    }

    @Test
    void systemPropertiesOverrideServletParameters() {
        System.setProperty("resumelb.testOnlySetting", "42");
        try {
            Settings s = Settings.forServlet(name -> "1", name -> "2");
            assertEquals(42, s.integer("testOnlySetting", 0, 0, 100));
        } finally {
            System.clearProperty("resumelb.testOnlySetting");
        }
    }

    @Test
    void invalidValuesNameTheSettingTheValueAndWhatIsAccepted() {
        ConfigException e = assertThrows(ConfigException.class, () -> settings(Map.of("history", "lots")).integer("history", 1, 2, 10));
        assertEquals("history", e.setting());
        assertTrue(e.getMessage().contains("'history' = 'lots'") && e.getMessage().contains("from 2 to 10"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> settings(Map.of("history", "11")).integer("history", 1, 2, 10));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> settings(Map.of("variance", "NaN")).decimal("variance", 1, 0, 10));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> settings(Map.of("singleVersion", "maybe")).bool("singleVersion", false));
        assertTrue(e.getMessage().contains("true or false"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> settings(Map.of("lb", "http://ok:1, ftp://lb")).urls("lb"));
        assertTrue(e.getMessage().contains("'lb' = 'ftp://lb'") && e.getMessage().contains("http or https"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> settings(Map.of("heartbeat", "soon")).duration("heartbeat", Duration.ofSeconds(1), Duration.ZERO, Duration.ofHours(1)));
        assertTrue(e.getMessage().contains("500ms"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> settings(Map.of("heartbeat", "2h")).duration("heartbeat", Duration.ofSeconds(1), Duration.ZERO, Duration.ofHours(1)));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void durationsTakeSecondsOrAUnit() {
        Duration max = Duration.ofDays(1);
        assertEquals(Duration.ofSeconds(30), settings(Map.of("d", "30")).duration("d", null, Duration.ZERO, max));
        assertEquals(Duration.ofMillis(500), settings(Map.of("d", "0.5")).duration("d", null, Duration.ZERO, max));
        assertEquals(Duration.ofMillis(250), settings(Map.of("d", "250ms")).duration("d", null, Duration.ZERO, max));
        assertEquals(Duration.ofMinutes(2), settings(Map.of("d", "2m")).duration("d", null, Duration.ZERO, max));
        assertEquals(Duration.ofHours(1), settings(Map.of("d", "1h")).duration("d", null, Duration.ZERO, max));
    }

    @Test
    void urlsAreCommaSeparatedWithoutTrailingSlash() {
        assertEquals(List.of(URI.create("http://a:1"), URI.create("https://b/lb")),
                settings(Map.of("lb", " http://a:1/ ,https://b/lb/ ")).urls("lb"));
        assertEquals(List.of(), settings(Map.of()).urls("lb"));
    }

    @Test
    void secretComesInlineOrFromAFileAndIsMasked(@TempDir Path dir) throws Exception {
        assertNull(settings(Map.of()).secret());
        Settings inline = settings(Map.of("secret", "0123456789abcdef"));
        assertArrayEquals("0123456789abcdef".getBytes(StandardCharsets.UTF_8), inline.secret());
        assertEquals("***", inline.inForce().get("secret"));
        Path file = dir.resolve("secret");
        Files.writeString(file, "fedcba9876543210\n");
        assertArrayEquals("fedcba9876543210".getBytes(StandardCharsets.UTF_8), settings(Map.of("secretFile", file.toString())).secret());
        assertTrue(assertThrows(ConfigException.class, () -> settings(Map.of("secret", "short")).secret()).getMessage().contains("at least 16"));
        String inlineMessage = assertThrows(ConfigException.class, () -> settings(Map.of("secret", "shortvalue")).secret()).getMessage();
        assertTrue(inlineMessage.contains("'secret' = '***'") && !inlineMessage.contains("shortvalue"), inlineMessage);
        assertTrue(assertThrows(ConfigException.class, () -> settings(Map.of("secretFile", dir.resolve("none").toString())).secret())
                .getMessage().contains("cannot read"));
        assertTrue(assertThrows(ConfigException.class, () -> settings(Map.of("secret", "0123456789abcdef", "secretFile", file.toString())).secret())
                .getMessage().contains("not both"));
    }

    @Test
    void passwordsAreReadAsSecretsAreAndMasked(@TempDir Path dir) throws Exception {
        assertNull(settings(Map.of()).password("storePassword"));
        Settings inline = settings(Map.of("storePassword", "pass phrase"));
        assertArrayEquals("pass phrase".toCharArray(), inline.password("storePassword"));
        assertEquals("***", inline.inForce().get("storePassword"));
        Path file = dir.resolve("password");
        Files.writeString(file, "from a file\n");
        Settings fromFile = settings(Map.of("storePasswordFile", file.toString()));
        assertArrayEquals("from a file".toCharArray(), fromFile.password("storePassword"));
        assertEquals("***", fromFile.inForce().get("storePassword"));
        assertEquals(file.toString(), fromFile.inForce().get("storePasswordFile"));
        ConfigException both = assertThrows(ConfigException.class,
                () -> settings(Map.of("storePassword", "pass phrase", "storePasswordFile", file.toString())).password("storePassword"));
        assertTrue(both.getMessage().contains("set either 'storePassword' or 'storePasswordFile', not both")
                && !both.getMessage().contains("pass phrase"), both.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> settings(Map.of("storePasswordFile", dir.resolve("none").toString())).password("storePassword"));
        assertEquals("storePasswordFile", missing.setting());
    }

    @Test
    void parsedValuesReportTheSpecAndWrapParserErrors() {
        Settings s = settings(Map.of("policy", "fastest"));
        ConfigException e = assertThrows(ConfigException.class, () -> s.parsed("policy", "resume", v -> {
            throw new IllegalArgumentException("unknown policy " + v);
        }, "resume, round-robin"));
        assertTrue(e.getMessage().contains("'policy' = 'fastest'") && e.getMessage().contains("accepted: resume, round-robin"), e.getMessage());
        Settings d = settings(Map.of());
        assertEquals(6, d.parsed("policy", "resume", String::length, null));
        assertEquals("resume", d.inForce().get("policy"));
    }

    @Test
    void aShortSecretFileIsNamedByItsPathNeverItsContent(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("wrong-secret");
        Files.writeString(file, "tooshort\n");
        ConfigException e = assertThrows(ConfigException.class, () -> settings(Map.of("secretFile", file.toString())).secret());
        assertEquals("secretFile", e.setting());
        assertTrue(e.getMessage().contains("'secretFile' = '" + file + "'") && e.getMessage().contains("8 bytes")
                && e.getMessage().contains("at least 16"), e.getMessage());
        assertFalse(e.getMessage().contains("tooshort"), e.getMessage());
    }
}
