package org.resumelb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

/**
 * The single drop-in jar, as packaged: Jackson relocated, no SLF4J, the
 * web-fragment inside, and the shared code working in a class loader that has
 * nothing else (as in a webapp that knows nothing of ResumeLB).
 */
class DropInJarIT {

    static Path jar() {
        Path jar = Path.of(System.getProperty("dropin.jar"));
        assertTrue(Files.isRegularFile(jar), "packaged: " + jar);
        return jar;
    }

    @Test
    void relocatesJacksonAndCarriesTheWebFragmentButNoSlf4j() throws Exception {
        try (JarFile jar = new JarFile(jar().toFile())) {
            List<String> names = jar.stream().map(java.util.zip.ZipEntry::getName).toList();
            assertTrue(names.contains("META-INF/web-fragment.xml"));
            assertTrue(names.contains("org/resumelb/filter/ResumeFilter.class"));
            assertTrue(names.contains("org/resumelb/agent/resume/ResumeCodec.class"));
            assertTrue(names.contains("org/resumelb/agent/protocol/Protocol.class"));
            assertTrue(names.contains("org/resumelb/agent/classify/ServletRequestView.class"));
            assertTrue(names.contains("org/resumelb/shaded/jackson/core/JsonFactory.class"));
            assertFalse(names.stream().anyMatch(n -> n.startsWith("com/fasterxml/")), "Jackson relocated");
            assertFalse(names.stream().anyMatch(n -> n.startsWith("org/slf4j/")), "no SLF4J inside");
            assertFalse(names.stream().anyMatch(n -> n.startsWith("jakarta/")), "no servlet API inside");
        }
    }

    @Test
    void theCodecWorksAloneFromTheJar() throws Exception {
        // Parent: the platform loader only, so nothing of the test class path (Jackson, SLF4J) can leak in.
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar().toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> limits = loader.loadClass("org.resumelb.agent.resume.ResumeLimits");
            Class<?> codecType = loader.loadClass("org.resumelb.agent.resume.ResumeCodec");
            Class<?> resumeType = loader.loadClass("org.resumelb.agent.resume.Resume");
            assertNotEquals(codecType, org.resumelb.agent.resume.ResumeCodec.class, "loaded from the drop-in jar");
            Object codec = codecType.getConstructor(limits).newInstance(limits.getField("DEFAULT").get(null));
            Object resume = resumeType.getConstructors()[0].newInstance("http://w:1/app", "id#1", null, 1L, 2L, false, Map.of("site", 2.5));
            byte[] json = (byte[]) codecType.getMethod("encode", resumeType).invoke(codec, resume);
            Object back = codecType.getMethod("decode", byte[].class).invoke(codec, (Object) json);
            assertEquals(resume, back);
            // The wire protocol needs nothing else either (the servlet API is the container's, and absent here).
            Class<?> protocol = loader.loadClass("org.resumelb.agent.protocol.Protocol");
            byte[] key = "dropin-secret-0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(org.resumelb.agent.protocol.Protocol.sign(key, json),
                    protocol.getMethod("sign", byte[].class, byte[].class).invoke(null, key, json));
            // Logging falls back to System.Logger without SLF4J: the class loads and logs.
            Class<?> log = loader.loadClass("org.resumelb.agent.Log");
            Object logger = log.getMethod("get", String.class).invoke(null, "dropin-test");
            assertTrue(logger.getClass().getName().endsWith("Log$Jdk"), logger.getClass().getName());
        }
    }
}
