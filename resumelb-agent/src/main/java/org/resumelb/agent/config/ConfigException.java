package org.resumelb.agent.config;

/**
 * An invalid setting: the message names the setting, the value given and what
 * is accepted, so that a failed deployment says how to fix it.
 */
public final class ConfigException extends IllegalArgumentException {

    private final String setting;

    public ConfigException(String setting, String value, String problem) {
        super("ResumeLB setting '" + setting + "'" + (value == null ? "" : " = '" + abbreviate(value) + "'") + ": " + problem);
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }

    private static String abbreviate(String value) {
        return value.length() > 120 ? value.substring(0, 120) + "…" : value;
    }
}
