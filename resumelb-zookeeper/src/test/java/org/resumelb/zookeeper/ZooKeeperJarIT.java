package org.resumelb.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

/**
 * The drop-in jar as packaged: this module's classes and its service
 * registration, and every class of Curator, ZooKeeper, Guava, Netty and SLF4J
 * relocated under {@code org.resumelb.shaded.zk}, so nothing clashes with the
 * webapp's own copies; and not the agent, which the webapp already has.
 */
class ZooKeeperJarIT {

    @Test
    void everythingButThisModuleIsRelocatedAndTheProviderIsRegistered() throws Exception {
        Path path = Path.of(System.getProperty("dropin.jar"));
        assertTrue(Files.isRegularFile(path), "packaged: " + path);
        try (JarFile jar = new JarFile(path.toFile())) {
            List<String> classes = jar.stream().map(java.util.zip.ZipEntry::getName).filter(n -> n.endsWith(".class")).toList();
            List<String> outside = classes.stream()
                    .filter(n -> !n.startsWith("org/resumelb/zookeeper/") && !n.startsWith("org/resumelb/shaded/zk/")).toList();
            assertEquals(List.of(), outside, "classes left under their own names");
            assertTrue(classes.contains("org/resumelb/shaded/zk/curator/framework/CuratorFramework.class"));
            assertTrue(classes.contains("org/resumelb/shaded/zk/zookeeper/ZooKeeper.class"));
            assertTrue(classes.contains("org/resumelb/shaded/zk/zookeeper/ClientCnxnSocketNIO.class"));
            assertFalse(classes.stream().anyMatch(n -> n.startsWith("org/resumelb/agent/")), "the agent is the webapp's");
            try (InputStream in = jar.getInputStream(jar.getEntry("META-INF/services/org.resumelb.agent.discovery.Discovery$Provider"))) {
                assertEquals("org.resumelb.zookeeper.ZooKeeperDiscovery$Provider", new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
            }
        }
    }
}
