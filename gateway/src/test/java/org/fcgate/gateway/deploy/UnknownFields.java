package org.fcgate.gateway.deploy;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fields a manifest has that its Kubernetes type does not know. fabric8's model classes keep those in {@code
 * additionalProperties} instead of refusing them, so a misspelt key ({@code readinesProbe}, {@code subpath}) would
 * load without a word and the API server would drop or refuse it later. This walks the model's properties (getters
 * backed by a field of the same name) and reports every non-empty {@code additionalProperties} with its path.
 */
final class UnknownFields {

    private UnknownFields() {
    }

    static List<String> of(Object model) {
        List<String> found = new ArrayList<>();
        walk(model, "", found);
        return found;
    }

    private static void walk(Object value, String path, List<String> found) {
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), path + "[" + i + "]", found);
            }
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "[" + k + "]", found));
        } else if (value != null && value.getClass().getName().startsWith("io.fabric8.")) {
            for (Method getter : properties(value.getClass())) {
                Object v = invoke(getter, value);
                if (getter.getName().equals("getAdditionalProperties")) {
                    if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        found.add((path.isEmpty() ? "" : path + ".") + extra.keySet());
                    }
                } else {
                    walk(v, path + "." + propertyName(getter), found);
                }
            }
        }
    }

    private static List<Method> properties(Class<?> type) {
        List<Method> getters = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() == 0 && !Modifier.isStatic(m.getModifiers()) && m.getName().startsWith("get")
                    && m.getName().length() > 3 && hasField(type, propertyName(m))) {
                getters.add(m);
            }
        }
        return getters;
    }

    private static String propertyName(Method getter) {
        String n = getter.getName().substring(3);
        return n.substring(0, 1).toLowerCase(Locale.ROOT) + n.substring(1);
    }

    private static boolean hasField(Class<?> type, String name) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getName().equals(name)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + getter + " of " + target.getClass(), e);
        }
    }
}
