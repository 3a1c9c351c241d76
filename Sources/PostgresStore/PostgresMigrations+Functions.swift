extension PostgresMigrations {
    /// campaignd's SQL functions in plpgsql, part of `v1-customers-and-history`: what the SQLite
    /// store registers on each connection (`SQLFunctions` in Evaluation, `SuppressionAddress`),
    /// with the same answers, spelt by `SQLDialect.postgres`.
    ///
    /// Day numbers count days since 1970-01-01 (`CivilCalendar`) in a named zone, from the
    /// server's time-zone data; an unknown zone gives NULL (the customer's zone falls back to the
    /// business zone), as `TimeZone(identifier:)` failing does in SQLite. Known, as for
    /// Foundation: a name of the server's zones spelt exactly (`campaignd_time_zone`, refreshed
    /// each time the store opens; PostgreSQL itself ignores case), or a fixed offset
    /// `GMT+3`, `UTC-05:30`, `GMT+0330` (PostgreSQL would read `UTC+3` the POSIX way, as UTC−3).
    /// Adds the server's zone names that `campaignd_time_zone` lacks (new time-zone data).
    static let refreshTimeZones =
        "INSERT INTO campaignd_time_zone(name) SELECT DISTINCT name FROM pg_timezone_names ON CONFLICT (name) DO NOTHING"

    static let functionsV1 = [
        "CREATE TABLE campaignd_time_zone (name text PRIMARY KEY)",
        refreshTimeZones,
        """
        CREATE FUNCTION campaignd_day(seconds bigint, zone text) RETURNS bigint
        LANGUAGE plpgsql STABLE PARALLEL SAFE AS $body$
        DECLARE
            local_seconds bigint;
            offset_parts text[];
        BEGIN
            IF seconds IS NULL OR zone IS NULL OR zone = '' THEN
                RETURN NULL;
            END IF;
            offset_parts := regexp_match(zone, '^(GMT|UTC)([+-])([0-9]{1,2})(:?([0-9]{2}))?$');
            IF offset_parts IS NOT NULL THEN
                IF offset_parts[3]::integer > 18 OR coalesce(offset_parts[5], '0')::integer > 59 THEN
                    RETURN NULL;
                END IF;
                local_seconds := seconds + (CASE WHEN offset_parts[2] = '-' THEN -1 ELSE 1 END)
                    * (offset_parts[3]::bigint * 3600 + coalesce(offset_parts[5], '0')::bigint * 60);
                RETURN (local_seconds - ((local_seconds % 86400) + 86400) % 86400) / 86400;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM campaignd_time_zone WHERE name = zone) THEN
                RETURN NULL;
            END IF;
            BEGIN
                local_seconds := extract(epoch FROM (to_timestamp(seconds) AT TIME ZONE zone))::bigint;
            EXCEPTION WHEN invalid_parameter_value OR datetime_field_overflow THEN
                RETURN NULL;
            END;
            RETURN (local_seconds - ((local_seconds % 86400) + 86400) % 86400) / 86400;
        END
        $body$
        """,
        """
        CREATE FUNCTION campaignd_birthday_in(birthday text, customer_zone text, business_zone text, now bigint, days bigint)
        RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE AS $body$
        DECLARE
            today bigint;
            target date;
            birth_month integer;
            birth_day integer;
            year integer;
        BEGIN
            IF birthday IS NULL OR octet_length(birthday) <> 10 OR now IS NULL OR days IS NULL THEN
                RETURN false;
            END IF;
            today := campaignd_day(now, customer_zone);
            IF today IS NULL THEN
                today := campaignd_day(now, business_zone);
            END IF;
            IF today IS NULL OR campaignd_day(0, business_zone) IS NULL THEN
                RETURN false;
            END IF;
            IF substr(birthday, 6, 2) !~ '^[0-9][0-9]$' OR substr(birthday, 9, 2) !~ '^[0-9][0-9]$' THEN
                RETURN false;
            END IF;
            birth_month := substr(birthday, 6, 2)::integer;
            birth_day := substr(birthday, 9, 2)::integer;
            target := date '1970-01-01' + (today + days)::integer;
            IF extract(month FROM target) = birth_month AND extract(day FROM target) = birth_day THEN
                RETURN true;
            END IF;
            year := extract(year FROM target)::integer;
            RETURN birth_month = 2 AND birth_day = 29 AND extract(month FROM target) = 2 AND extract(day FROM target) = 28
                AND NOT ((year % 4 = 0 AND year % 100 <> 0) OR year % 400 = 0);
        END
        $body$
        """,
        """
        CREATE FUNCTION campaignd_number(value text) RETURNS numeric
        LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
            trimmed text;
        BEGIN
            IF value IS NULL THEN
                RETURN NULL;
            END IF;
            trimmed := btrim(value, E' \\t');
            IF trimmed ~ '^[+-]?[0-9]+$' THEN
                IF trimmed::numeric BETWEEN -9223372036854775808 AND 9223372036854775807 THEN
                    RETURN trimmed::numeric;
                END IF;
                RETURN NULL;
            END IF;
            IF trimmed ~ '^[+-]?([0-9]+[.][0-9]*|[.][0-9]+)$' THEN
                RETURN trimmed::numeric;
            END IF;
            RETURN NULL;
        END
        $body$
        """,
        """
        CREATE FUNCTION campaignd_address_hash(address text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $body$
            SELECT 'sha256:' || encode(sha256(convert_to(address, 'UTF8')), 'hex')
        $body$
        """,
    ]
}
