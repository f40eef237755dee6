package org.resumelb.agent.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class RequestClassesTest {

    record Req(String method, String host, String path, String query, Map<String, String> headers) implements RequestView {
        Req(String host, String path) {
            this("GET", host, path, null, Map.of());
        }

        @Override
        public String header(String name) {
            return headers.get(name);
        }
    }

    static String classify(String spec, RequestView r) {
        return RequestClasses.classify(RequestClasses.parse(spec), r);
    }

    @Test
    void hostDropsWwwPortAndCase() {
        assertEquals("example.com", classify("host", new Req("www.Example.COM:8080", "/")));
        assertEquals("news.example.com", classify("host", new Req("news.example.com", "/")));
        assertEquals("[::1]", classify("host", new Req("[::1]:8080", "/")));
        assertEquals("www", classify("host", new Req("www", "/")));
        assertEquals(RequestClasses.DEFAULT_CLASS, classify("host", new Req(null, "/")));
    }

    @Test
    void pathTakesTheNthSegment() {
        assertEquals("news", classify("path:1", new Req("h", "/news/1")));
        assertEquals("1", classify("path:2", new Req("h", "//news//1/")));
        assertEquals(RequestClasses.DEFAULT_CLASS, classify("path:3", new Req("h", "/news/1")));
    }

    @Test
    void headerTakesTheHeaderValue() {
        Req r = new Req("GET", "h", "/", null, Map.of("X-Tenant", "acme"));
        assertEquals("acme", classify("header:X-Tenant", r));
        assertEquals(RequestClasses.DEFAULT_CLASS, classify("header:X-Other", r));
    }

    @Test
    void regexTakesTheClassGroupFromItsSource() {
        Req r = new Req("GET", "shop-42.example.com", "/t/acme/items", "site=blue", Map.of("X-Site", "site=red"));
        assertEquals("42", classify("regex:host:shop-(?<class>\\d+)", r));
        assertEquals("acme", classify("regex:path:^/t/(?<class>[^/]+)", r));
        assertEquals("blue", classify("regex:uri:site=(?<class>\\w+)", r));
        assertEquals("red", classify("regex:header.X-Site:site=(?<class>\\w+)", r));
        assertEquals(RequestClasses.DEFAULT_CLASS, classify("regex:path:^/nomatch/(?<class>.*)", r));
    }

    public static final class FirstLetter implements RequestClassifier {
        @Override
        public String classify(RequestView request) {
            return request.path().substring(1, 2);
        }
    }

    @Test
    void aClassNameLoadsAUserClassifier() {
        assertEquals("x", classify(FirstLetter.class.getName(), new Req("h", "/xyz")));
    }

    @Test
    void aThrowingClassifierYieldsTheDefaultClass() {
        assertEquals(RequestClasses.DEFAULT_CLASS, RequestClasses.classify(r -> {
            throw new IllegalStateException("boom");
        }, new Req("h", "/")));
    }

    @Test
    void namesAreNormalizedToValidResumeKeys() {
        assertEquals(RequestClasses.DEFAULT_CLASS, RequestClasses.normalize(""));
        assertEquals("a_b", RequestClasses.normalize("a\nb"));
        assertEquals(RequestClasses.MAX_CLASS_LENGTH, RequestClasses.normalize("x".repeat(10_000)).length());
    }

    @Test
    void badSpecsAreRejectedWithWhatIsAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RequestClasses.parse("hots"));
        assertTrue(e.getMessage().contains("hots") && e.getMessage().contains("path:<n>"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestClasses.parse("path:0")).getMessage().contains("n >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestClasses.parse("header:")).getMessage().contains("header name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestClasses.parse("regex:path:(unclosed")).getMessage().contains("invalid pattern"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestClasses.parse("regex:path:\\d+")).getMessage().contains("'class'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestClasses.parse("regex:body:(?<class>x)")).getMessage().contains("unknown source"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestClasses.parse("com.example.Missing")).getMessage().contains("no such class"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestClasses.parse("java.lang.String")).getMessage().contains("does not implement"));
    }
}
