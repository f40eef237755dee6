package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.proxy.route.PriorityRule;
import org.resumelb.proxy.route.UserKey;

/** The admission settings: off by default, read, and a bad value or combination stops the start naming the setting. */
class AdmissionSettingsTest {

    static ProxySettings.Admission read(Map<String, String> more) {
        return BoundariesSettingsTest.read(more).admission();
    }

    static Map<String, String> with(String... pairs) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    @Test
    void offByDefault() {
        ProxySettings.Admission a = read(Map.of());
        assertFalse(a.on());
        assertEquals(0, a.maxBacklog());
        assertEquals(0, a.reservedBacklog());
        assertEquals(UserKey.NONE, a.userKey());
        assertEquals(PriorityRule.NONE, a.priority());
        assertEquals(0, a.maxQueuedPerUser(), "no per-user bound without a user key");
        assertEquals(0, a.userReserve());
    }

    @Test
    void valuesAreRead() {
        ProxySettings.Admission a = read(with("maxBacklog", "8", "reservedBacklog", "2", "userKey", "header:X-User",
                "maxQueuedPerUser", "20", "priority", "path:^/checkout"));
        assertTrue(a.on());
        assertEquals(8, a.maxBacklog());
        assertEquals(2, a.reservedBacklog());
        assertEquals("header:X-User", a.userKey().toString());
        assertEquals(20, a.maxQueuedPerUser());
        assertEquals("path:^/checkout", a.priority().toString());
        assertEquals(100, read(with("maxBacklog", "8", "userKey", "ip")).maxQueuedPerUser(), "the default with a user key");
        assertEquals(0, read(with("maxBacklog", "8", "userKey", "ip")).userReserve(), "no user reserve unless set");
        assertEquals(3, read(with("maxBacklog", "8", "userKey", "ip", "userReserve", "3")).userReserve());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "maxBacklog|-1|out of range",
        "maxBacklog|lots|not an integer",
        "userKey|session|accepted: ip, header:<name> or cookie:<name>",
        "userKey|header:X-ResumeLB-Class|the load balancer's own header",
        "priority|path:[|not a regular expression",
        "priority|urgent|accepted: path:<regex>",
        "maxQueuedPerUser|0|out of range",
        "userReserve|-1|out of range",
        "userReserve|some|not an integer"})
    void aBadValueNamesTheSetting(String name, String value, String says) {
        Map<String, String> params = with("maxBacklog", "4", "userKey", "ip");
        params.put(name, value);
        ConfigException e = assertThrows(ConfigException.class, () -> read(params));
        assertEquals(name, e.setting());
        assertTrue(e.getMessage().contains("'" + value + "'") && e.getMessage().contains(says), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "reservedBacklog|4|maxBacklog=4,priority=path:^/a|fewer than maxBacklog (4)",
        "reservedBacklog|1|maxBacklog=4|without the setting 'priority'",
        "maxQueuedPerUser|5|maxBacklog=4|without the setting 'userKey'",
        "userKey|ip||set maxBacklog too",
        "priority|path:^/a||set maxBacklog too",
        "reservedBacklog|1|priority=path:^/a|set maxBacklog too",
        "userReserve|1|maxBacklog=4|without the setting 'userKey'",
        "userReserve|1||set maxBacklog too"})
    void aSettingThatWouldDoNothingOrTooMuchIsRefused(String name, String value, String others, String says) {
        Map<String, String> params = new HashMap<>();
        if (others != null) {
            for (String pair : others.split(",")) {
                params.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
        }
        params.put(name, value);
        ConfigException e = assertThrows(ConfigException.class, () -> read(params));
        assertEquals(name, e.setting());
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }
}
