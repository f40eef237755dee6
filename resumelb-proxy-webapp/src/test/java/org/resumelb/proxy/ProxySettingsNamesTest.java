package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.SettingNames;
import org.resumelb.agent.config.Settings;
import org.resumelb.proxy.operations.RuntimeSettings;

/** The names the proxy reads are exactly those declared in {@link SettingNames#PROXY}, and others are warned about. */
class ProxySettingsNamesTest {

    @Test
    void theProxyAsksForExactlyTheDeclaredNamesButThoseJettyAloneReads() {
        Settings s = new Settings(List.of(Settings.of(Map.of("insecure", "true"))));
        ProxySettings.read(s);
        Set<String> expected = new LinkedHashSet<>(SettingNames.PROXY);
        expected.removeAll(SettingNames.JETTY_ONLY);
        assertEquals(expected, s.asked(), "SettingNames.PROXY must list what ProxySettings.read reads (and Jetty alone)");
        assertTrue(SettingNames.PROXY.containsAll(RuntimeSettings.NAMES));
        assertTrue(SettingNames.PROXY.containsAll(SettingNames.JETTY));
    }

    @Test
    void unknownNamesAreListedWithoutValues() {
        String secret = "not-to-be-shown-0123456789";
        Settings s = new Settings(List.of(
                Settings.environment(Map.of("RESUMELB_POLCY", "round-robin", "RESUMELB_HEARTBEAT", "1s")),
                Settings.initParams(Map.of("workerTTl", "5s", "secret", secret, "whiteList", "10.0.0.1", "secert", secret))));
        ProxySettings p = ProxySettings.read(s);
        assertEquals(List.of(
                "ResumeLB ignores the environment variable RESUMELB_POLCY: no such setting; did you mean RESUMELB_POLICY?",
                "ResumeLB ignores the init-param secert: no such setting; did you mean secret?",
                "ResumeLB ignores the init-param workerTTl: no such setting; did you mean workerTtl?"), p.unknownSettings());
        assertFalse(p.unknownSettings().toString().contains(secret));
    }

    @Test
    void aFailedReadAlsoNamesTheIgnoredSettings() {
        Settings s = new Settings(List.of(Settings.environment(Map.of("RESUMELB_SECERT", "not-to-be-shown-0123456789"))));
        ConfigException e = assertThrows(ConfigException.class, () -> ProxySettings.read(s));
        assertEquals("secret", e.setting());
        assertTrue(e.getMessage().contains("required")
                && e.getMessage().contains("ResumeLB ignores the environment variable RESUMELB_SECERT: no such setting; did you mean RESUMELB_SECRET?"),
                e.getMessage());
        assertFalse(e.getMessage().contains("not-to-be-shown"), e.getMessage());
    }
}
