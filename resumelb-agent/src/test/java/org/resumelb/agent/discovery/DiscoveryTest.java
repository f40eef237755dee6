package org.resumelb.agent.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.Settings;

/** The ZooKeeper settings, read once for both sides, and the message when the jar is missing. */
class DiscoveryTest {

    static Settings settings(Map<String, String> values) {
        return new Settings(List.of(Settings.of(values)));
    }

    @Test
    void unsetMeansNoDiscoveryAndDefaultsApply() {
        assertNull(Discovery.config(settings(Map.of())));
        Discovery.Config c = Discovery.config(settings(Map.of("zookeeper", "zk1:2181,zk2:2181/fleet")));
        assertEquals(new Discovery.Config("zk1:2181,zk2:2181/fleet", "/resumelb", Duration.ofSeconds(10)), c);
    }

    @Test
    void badValuesNameTheSettingAndWhatIsAccepted() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Discovery.config(settings(Map.of("zookeeper", "zk1:2181", "zookeeperPath", "resumelb"))));
        assertEquals("zookeeperPath", e.setting());
        assertTrue(e.getMessage().contains("an absolute znode path"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Discovery.config(settings(Map.of("zookeeper", "zk1:2181; rm"))));
        assertEquals("zookeeper", e.setting());
        assertTrue(e.getMessage().contains("host:port"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> Discovery.config(settings(Map.of("zookeeper", "zk1:2181", "zookeeperSessionTimeout", "100ms"))));
        assertEquals("zookeeperSessionTimeout", e.setting());
    }

    @Test
    void withoutTheJarOpeningFailsNamingTheSettingAndTheJar() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Discovery.open(new Discovery.Config("zk1:2181", "/resumelb", Duration.ofSeconds(10))));
        assertEquals("zookeeper", e.setting());
        assertTrue(e.getMessage().contains("resumelb-zookeeper-<version>-all.jar"), e.getMessage());
        assertTrue(e.getMessage().contains("WEB-INF/lib"), e.getMessage());
    }
}
