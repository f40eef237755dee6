package org.resumelb.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import org.resumelb.proxy.pool.PoolSettings;

/**
 * The settings an operator may change while the load balancer runs: the
 * policy and the pool's tunables. Immutable; {@link #with} validates a change
 * as a whole, so a request that sets one bad value changes nothing.
 *
 * <p>Persisted as a small JSON object in {@code settingsFile}: written to a
 * temporary file, the previous file kept as {@code <settingsFile>.bak}, then
 * moved into place atomically, so a crash leaves either the old or the new
 * settings, never half of them.
 */
public record RuntimeSettings(String policy, PoolSettings pool) {

    /** The names an admin call may change. */
    public static final List<String> NAMES = List.of("policy", "variance", "unskilledScore", "backlogHistory", "hashBalanceFactor");

    static final JsonFactory JSON = JsonFactory.builder().build();

    public RuntimeSettings {
        if (!ProxySettings.POLICIES.contains(policy)) {
            throw new IllegalArgumentException("Invalid setting policy=" + policy + ": accepted values are "
                    + String.join(", ", ProxySettings.POLICIES));
        }
    }

    /**
     * These settings with {@code changes} applied (values as JSON gives them:
     * strings and numbers).
     *
     * @throws IllegalArgumentException naming the setting, the value and what is accepted
     */
    public RuntimeSettings with(Map<String, Object> changes) {
        String p = policy;
        PoolSettings s = pool;
        for (Map.Entry<String, Object> e : changes.entrySet()) {
            String name = e.getKey();
            Object v = e.getValue();
            switch (name) {
                case "policy" -> p = string(name, v);
                case "variance" -> s = s.withVariance(number(name, v));
                case "unskilledScore" -> s = s.withUnskilledScore(number(name, v));
                case "backlogHistory" -> {
                    double d = number(name, v);
                    if (d != Math.rint(d) || d < 1 || d > 1_000_000) {
                        throw new IllegalArgumentException("Invalid setting backlogHistory=" + v + ": accepted values are integers from 1 to 1000000");
                    }
                    s = s.withBacklogHistory((int) d);
                }
                case "hashBalanceFactor" -> s = s.withHashBalanceFactor(number(name, v));
                default -> throw new IllegalArgumentException("Unknown setting '" + name + "': the settings that change at run time are "
                        + String.join(", ", NAMES));
            }
        }
        return new RuntimeSettings(p, s);
    }

    private static String string(String name, Object v) {
        if (v instanceof String str) {
            return str;
        }
        throw new IllegalArgumentException("Invalid setting " + name + "=" + v + ": a string is expected");
    }

    private static double number(String name, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String str) {
            try {
                return Double.parseDouble(str.trim());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException("Invalid setting " + name + "=" + v + ": a number is expected");
    }

    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", policy);
        m.put("variance", pool.variance());
        m.put("unskilledScore", pool.unskilledScore());
        m.put("backlogHistory", pool.backlogHistory());
        m.put("hashBalanceFactor", pool.hashBalanceFactor());
        return m;
    }

    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            for (Map.Entry<String, Object> e : asMap().entrySet()) {
                if (e.getValue() instanceof String s) {
                    g.writeStringField(e.getKey(), s);
                } else if (e.getValue() instanceof Integer i) {
                    g.writeNumberField(e.getKey(), i);
                } else {
                    g.writeNumberField(e.getKey(), (Double) e.getValue());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** Writes the settings to {@code file} atomically, keeping the previous file as {@code file.bak}. */
    public void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, toJson());
            if (Files.exists(file)) {
                Files.copy(file, backup(file), StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static Path backup(Path file) {
        return file.resolveSibling(file.getFileName() + ".bak");
    }

    /**
     * These settings overridden by those saved in {@code file}.
     *
     * @throws IllegalArgumentException when the file is not a JSON object of valid settings, naming the file and the problem
     */
    public RuntimeSettings load(Path file) throws IOException {
        byte[] body = Files.readAllBytes(file);
        try {
            return with(readObject(body));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a flat JSON object (string, number, boolean and null values, and
     * nested objects as maps). Duplicate names, trailing content and anything
     * else are refused.
     */
    static Map<String, Object> readObject(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("a JSON object is expected");
            }
            Map<String, Object> m = object(p);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("trailing content after the JSON object");
            }
            return m;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable JSON: " + e.getMessage());
        }
    }

    private static Map<String, Object> object(JsonParser p) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            Object value = switch (v) {
                case VALUE_STRING -> p.getText();
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
                case VALUE_TRUE, VALUE_FALSE -> p.getBooleanValue();
                case VALUE_NULL -> null;
                case START_OBJECT -> object(p);
                default -> throw new IllegalArgumentException("'" + name + "' has a value of an unexpected kind (" + v + ")");
            };
            m.put(name, value);
        }
        return m;
    }
}
