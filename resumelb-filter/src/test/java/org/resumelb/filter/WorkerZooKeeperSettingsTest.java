package org.resumelb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.Settings;

/** With {@code zookeeper} set, a worker needs no {@code lb}, but still its URL and the secret. */
class WorkerZooKeeperSettingsTest {

    static WorkerSettings read(Map<String, String> params) {
        return WorkerSettings.read(new Settings(List.of(Settings.initParams(params))), "/app");
    }

    @Test
    void zookeeperAloneIsEnoughToPushWithAUrlAndASecret() {
        WorkerSettings s = read(Map.of("zookeeper", "zk1:2181,zk2:2181", "workerUrl", "http://w1:8080${contextPath}",
                "secret", "0123456789abcdef0123"));
        assertEquals(List.of(), s.lbs());
        assertEquals("zk1:2181,zk2:2181", s.zookeeper().connect());
        assertEquals("/resumelb", s.zookeeper().root());
        assertEquals("http://w1:8080/app", s.workerUrl());
        assertNull(read(Map.of()).zookeeper(), "off unless set");
    }

    @Test
    void zookeeperWithoutTheWorkersUrlOrTheSecretIsRefusedSayingWhy() {
        Map<String, String> p = new HashMap<>(Map.of("zookeeper", "zk1:2181", "secret", "0123456789abcdef0123"));
        ConfigException e = assertThrows(ConfigException.class, () -> read(p));
        assertEquals("workerUrl", e.setting());
        assertTrue(e.getMessage().contains("required when 'zookeeper' is set"), e.getMessage());
        p.remove("secret");
        p.put("workerUrl", "http://w1:8080");
        e = assertThrows(ConfigException.class, () -> read(p));
        assertEquals("secret", e.setting());
        assertTrue(e.getMessage().contains("required when 'zookeeper' is set"), e.getMessage());
    }
}
