package org.resumelb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;

/**
 * The single drop-in jar, as packaged: Jackson relocated, no SLF4J, the
 * web-fragment inside, and the shared code working in a class loader that has
 * nothing else (as in a webapp that knows nothing of ResumeLB). No entry and no
 * class is left under Jackson's own names (multi-release versions included),
 * where it would clash with the webapp's own Jackson.
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
    void nothingIsLeftUnderJacksonsOwnNames() throws Exception {
        List<String> offenders = new ArrayList<>();
        List<String> versioned = new ArrayList<>();
        int entries = 0;
        int classes = 0;
        byte[] needle = "com/fasterxml".getBytes(StandardCharsets.US_ASCII);
        try (JarFile jar = new JarFile(jar().toFile())) {
            for (JarEntry e : Collections.list(jar.entries())) {
                entries++;
                String name = e.getName();
                if (name.contains("com/fasterxml")) {
                    offenders.add(name);
                }
                if (name.startsWith("META-INF/versions/")) {
                    versioned.add(name);
                }
                if (name.endsWith(".class")) {
                    classes++;
                    try (InputStream in = jar.getInputStream(e)) {
                        if (indexOf(in.readAllBytes(), needle) >= 0) {
                            offenders.add(name + " (refers to com/fasterxml)");
                        }
                    }
                }
            }
            Manifest manifest = jar.getManifest();
            String multiRelease = manifest == null ? null : manifest.getMainAttributes().getValue("Multi-Release");
            System.out.printf("drop-in jar: %d entries, %d classes, %d under com/fasterxml, %d under META-INF/versions, Multi-Release: %s%n",
                    entries, classes, offenders.size(), versioned.size(), multiRelease);
            assertEquals(List.of(), offenders, "entries or classes still under Jackson's own package");
            assertEquals(List.of(), versioned, "versioned entries: shade does not relocate them");
            assertFalse("true".equalsIgnoreCase(multiRelease), "the jar must not claim Multi-Release without versioned classes");
            assertTrue(classes > 100, "the jar holds the classes: " + classes);
        }
    }

    @Test
    void aWebappsOwnJacksonIsNeverShadowedByTheJar() throws Exception {
        // A webapp's WEB-INF/lib with the drop-in jar first and its own jackson-core after it.
        Path jackson = Path.of(com.fasterxml.jackson.core.JsonFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> versionedInJackson = new ArrayList<>();
        try (JarFile jar = new JarFile(jackson.toFile())) {
            for (JarEntry e : Collections.list(jar.entries())) {
                if (e.getName().matches("META-INF/versions/\\d+/com/fasterxml/.+\\.class")) {
                    versionedInJackson.add(e.getName().replaceFirst("META-INF/versions/\\d+/", ""));
                }
            }
        }
        try (URLClassLoader webapp = new URLClassLoader(new URL[] {jar().toUri().toURL(), jackson.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            for (String name : versionedInJackson) {
                URL found = webapp.getResource(name);
                assertTrue(found != null && found.toString().contains(jackson.getFileName().toString()),
                        name + " must come from the webapp's Jackson, not the drop-in jar: " + found);
            }
            Class<?> own = webapp.loadClass("com.fasterxml.jackson.core.JsonFactory");
            assertTrue(own.getProtectionDomain().getCodeSource().getLocation().toString().contains(jackson.getFileName().toString()));
            Object parser = own.getConstructor().newInstance();
            assertEquals("JSON", own.getMethod("getFormatName").invoke(parser), "the webapp's own Jackson works");
            Class<?> codecType = webapp.loadClass("org.resumelb.agent.resume.ResumeCodec");
            Class<?> limits = webapp.loadClass("org.resumelb.agent.resume.ResumeLimits");
            Class<?> resumeType = webapp.loadClass("org.resumelb.agent.resume.Resume");
            Object codec = codecType.getConstructor(limits).newInstance(limits.getField("DEFAULT").get(null));
            Object resume = resumeType.getConstructor(String.class, String.class, String.class, long.class, long.class, boolean.class, Map.class).newInstance("http://w:1/app", "id#1", null, 1L, 2L, false, Map.of("site", 0.1 + 0.2));
            assertEquals(resume, codecType.getMethod("decode", byte[].class).invoke(codec,
                    (Object) codecType.getMethod("encode", resumeType).invoke(codec, resume)), "and so does the jar's, beside it");
            System.out.printf("a webapp with its own %s: %d multi-release Jackson classes, each resolved from the webapp's Jackson%n",
                    jackson.getFileName(), versionedInJackson.size());
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
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
            Object resume = resumeType.getConstructor(String.class, String.class, String.class, long.class, long.class, boolean.class, Map.class).newInstance("http://w:1/app", "id#1", null, 1L, 2L, false, Map.of("site", 2.5));
            byte[] json = (byte[]) codecType.getMethod("encode", resumeType).invoke(codec, resume);
            Object back = codecType.getMethod("decode", byte[].class).invoke(codec, (Object) json);
            assertEquals(resume, back);
            // A number through Jackson's fast double parser and writer (the classes that had multi-release versions).
            Object scored = resumeType.getConstructor(String.class, String.class, String.class, long.class, long.class, boolean.class, Map.class).newInstance("http://w:1/app", "id#1", null, 1L, 2L, false,
                    Map.of("pi", Math.PI, "tiny", 1.0e-300, "big", 123456789.123456789));
            Object scoredBack = codecType.getMethod("decode", byte[].class).invoke(codec,
                    (Object) codecType.getMethod("encode", resumeType).invoke(codec, scored));
            assertEquals(scored, scoredBack);
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
