package org.resumelb.proxy.operations;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.Settings;
import org.resumelb.agent.io.AtomicFile;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.Pools;

/**
 * The settings an operator may change while the load balancer runs: the
 * policy and the pool's tunables. This is the one place their names, defaults,
 * limits and "accepted" texts are defined: {@link #read} parses them for
 * {@code web.xml} (through {@link ProxySettings}), and {@link #with} validates
 * an admin call's or the settings file's changes by running the very same
 * parse over the changed values, so a value is refused with the same message
 * wherever it comes from. {@link PoolSettings} itself only guards the
 * algorithm's mathematical domain (e.g. variance &gt; 0), which these limits
 * lie within.
 *
 * <p>Immutable; {@link #with} validates a change as a whole, so a request that
 * sets one bad value changes nothing. Persisted as a small JSON object in
 * {@code settingsFile} through {@link AtomicFile} (previous version kept as
 * {@code <settingsFile>.bak}), so a crash leaves either the old or the new
 * settings, never half of them.
 */
public record RuntimeSettings(String policy, PoolSettings pool) {

    /** The names an admin call may change. */
    public static final List<String> NAMES = List.of("policy", "variance", "unskilledScore", "backlogHistory", "hashBalanceFactor");

    static final JsonFactory JSON = JsonFactory.builder().build();

    /** Operator limits of the pool's tunables (within {@link PoolSettings}' domain). */
    static final double MIN_VARIANCE = 0.001;
    static final double MAX_VARIANCE = 1_000_000;
    static final double MIN_UNSKILLED_SCORE = 1e-9;
    static final double MAX_UNSKILLED_SCORE = 1e12;
    static final int MAX_BACKLOG_HISTORY = 1_000_000;
    static final double MIN_HASH_BALANCE_FACTOR = 1.0001;
    static final double MAX_HASH_BALANCE_FACTOR = 100;

    public RuntimeSettings {
        if (!Pools.POLICIES.contains(policy)) {
            throw new ConfigException("policy", policy, "unknown policy; accepted: " + String.join(", ", Pools.POLICIES));
        }
    }

    public static final RuntimeSettings DEFAULTS = new RuntimeSettings(Pools.POLICIES.get(0), PoolSettings.DEFAULTS);

    /**
     * Reads the run-time settings from {@code s}, defaults for those unset.
     *
     * @throws ConfigException naming the setting, the value and what is accepted
     */
    public static RuntimeSettings read(Settings s) {
        String policy = s.parsed("policy", DEFAULTS.policy(), v -> {
            String p = v.toLowerCase(Locale.ROOT);
            if (!Pools.POLICIES.contains(p)) {
                throw new IllegalArgumentException("unknown policy");
            }
            return p;
        }, String.join(", ", Pools.POLICIES));
        PoolSettings d = PoolSettings.DEFAULTS;
        double variance = s.decimal("variance", d.variance(), MIN_VARIANCE, MAX_VARIANCE);
        double unskilledScore = s.decimal("unskilledScore", d.unskilledScore(), MIN_UNSKILLED_SCORE, MAX_UNSKILLED_SCORE);
        int backlogHistory = s.integer("backlogHistory", d.backlogHistory(), 1, MAX_BACKLOG_HISTORY);
        double hashBalanceFactor = s.decimal("hashBalanceFactor", d.hashBalanceFactor(), MIN_HASH_BALANCE_FACTOR, MAX_HASH_BALANCE_FACTOR);
        return new RuntimeSettings(policy, new PoolSettings(variance, unskilledScore, backlogHistory, hashBalanceFactor));
    }

    /**
     * These settings with {@code changes} applied (values as JSON gives them:
     * strings and numbers), validated by {@link #read} exactly as web.xml is.
     *
     * @throws ConfigException naming the setting, the value and what is accepted;
     *     or naming an unknown setting
     */
    public RuntimeSettings with(Map<String, Object> changes) {
        Map<String, String> given = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : changes.entrySet()) {
            String name = e.getKey();
            if (!NAMES.contains(name)) {
                throw new ConfigException(name, null, "Unknown setting '" + name + "': the settings that change at run time are "
                        + String.join(", ", NAMES));
            }
            given.put(name, text(name, e.getValue()));
        }
        Map<String, String> current = new LinkedHashMap<>();
        asMap().forEach((k, v) -> current.put(k, String.valueOf(v)));
        return read(new Settings(List.of(Settings.of(given), Settings.of(current))));
    }

    /** A JSON value as the text a context-param would carry. */
    private static String text(String name, Object v) {
        if (v instanceof String s) {
            if (s.isBlank()) {
                throw new ConfigException(name, s, "a value is required");
            }
            return s;
        }
        if (v instanceof NumberLiteral n) {
            return n.toString(); // as the operator wrote it, so the message quotes it as web.xml would
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            // 9.0 is the integer 9 (JSON has one number type); NaN and infinities keep their names and are refused.
            return Double.isFinite(d) ? BigDecimal.valueOf(d).stripTrailingZeros().toPlainString() : Double.toString(d);
        }
        if (v instanceof Number n) {
            return n.toString();
        }
        throw new ConfigException(name, String.valueOf(v), "a string or a number is expected");
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
        StringBuilder b = new StringBuilder("{\n");
        String sep = "";
        for (Map.Entry<String, Object> e : asMap().entrySet()) {
            b.append(sep).append("  \"").append(e.getKey()).append("\" : ");
            Object v = e.getValue();
            b.append(v instanceof String s ? "\"" + s + "\"" : String.valueOf(v));
            sep = ",\n";
        }
        return b.append("\n}\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the settings to {@code file} atomically, keeping the previous file as {@code file.bak}. */
    public void save(Path file) throws IOException {
        AtomicFile.write(file, toJson(), true);
    }

    public static Path backup(Path file) {
        return AtomicFile.backup(file);
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
     * nested objects as maps). Numbers keep the text they were written with
     * ({@link NumberLiteral}). Duplicate names, trailing content and anything
     * else are refused.
     */
    public static Map<String, Object> readObject(byte[] body) {
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
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new NumberLiteral(p.getText(), p.getNumberValue());
                case VALUE_TRUE, VALUE_FALSE -> p.getBooleanValue();
                case VALUE_NULL -> null;
                case START_OBJECT -> object(p);
                default -> throw new IllegalArgumentException("'" + name + "' has a value of an unexpected kind (" + v + ")");
            };
            m.put(name, value);
        }
        return m;
    }

    /** A JSON number with the text it was written in: {@code 1e13} stays "1e13" in messages. Immutable. */
    public static final class NumberLiteral extends Number {
        private static final long serialVersionUID = 1L;
        private final String text;
        private final Number value;

        NumberLiteral(String text, Number value) {
            this.text = text;
            this.value = value;
        }

        @Override
        public int intValue() {
            return value.intValue();
        }

        @Override
        public long longValue() {
            return value.longValue();
        }

        @Override
        public float floatValue() {
            return value.floatValue();
        }

        @Override
        public double doubleValue() {
            return value.doubleValue();
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
