package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.Settings;
import org.resumelb.proxy.membership.WorkerAllow;
import org.resumelb.proxy.operations.TrustedProxies;

/** The edge settings: their defaults, and a bad value stops the start naming the setting. */
class BoundariesSettingsTest {

    static ProxySettings read(Map<String, String> more) {
        Map<String, String> params = new HashMap<>(Map.of("secret", "boundaries-secret-0123456789"));
        params.putAll(more);
        return ProxySettings.read(new Settings(List.of(Settings.of(params))));
    }

    @Test
    void defaults() {
        ProxySettings.Boundaries b = read(Map.of()).boundaries();
        assertEquals(TrustedProxies.NONE, b.trustedProxies());
        assertTrue(b.statusAllow().allows("127.0.0.1") && !b.statusAllow().allows("10.0.0.1"), "loopback only");
        assertEquals(WorkerAllow.DEFAULT, b.workerAllow());
        assertEquals(1000, b.maxWorkers());
        assertEquals(1000, b.maxDeparted());
        assertEquals(600, b.classBudget());
    }

    @Test
    void valuesAreRead() {
        ProxySettings.Boundaries b = read(Map.of("trustedProxies", "10.0.0.5", "statusAllow", "192.0.2.0/24", "workerAllow",
                "10.0.0.0/8, *.workers.internal", "maxWorkers", "20", "maxDeparted", "0", "classBudget", "0")).boundaries();
        assertTrue(b.trustedProxies().trusts("10.0.0.5"));
        assertTrue(b.statusAllow().allows("192.0.2.9"));
        assertEquals("10.0.0.0/8, *.workers.internal", b.workerAllow().toString());
        assertEquals(20, b.maxWorkers());
        assertEquals(0, b.maxDeparted());
        assertEquals(0, b.classBudget());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"trustedProxies|*", "trustedProxies|proxy.internal", "statusAllow|intranet", "workerAllow|http://x",
            "maxWorkers|0", "maxDeparted|-1", "classBudget|-5", "classBudget|lots"})
    void aBadValueNamesTheSetting(String name, String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> read(Map.of(name, value)));
        assertEquals(name, e.setting());
        assertTrue(e.getMessage().contains(value), e.getMessage());
    }

    @Test
    void stickySessionsAndMaxBacklogTogetherStopTheDeploymentNamingSticky() {
        read(Map.of("sticky", "cookie:JSESSIONID"));
        read(Map.of("maxBacklog", "4"));
        org.resumelb.agent.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.resumelb.agent.config.ConfigException.class, () -> read(Map.of("sticky", "cookie:JSESSIONID", "maxBacklog", "4")));
        assertTrue(e.getMessage().contains("'sticky' = 'cookie:JSESSIONID'") && e.getMessage().contains("maxBacklog"), e.getMessage());
    }
}
