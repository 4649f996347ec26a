{#-
    RFM segment schemes: rules in seeds/rfm_segment_rules.csv give each R-F-M
    score cell a named segment. How a rule reads (docs/segment_schemes.md):

    - A rule is written on its scheme's score_scale S (5 for the shipped
      schemes) and applies to any score_buckets N: an actual score s reads as
      ceil(s x S / N) on the rule's scale, so rules are matched on at most S^3
      scaled cells and every one of the N^3 actual cells maps to one of them. With N = S that is s itself; with
      N = 100 and S = 5, scores 1-20 read as 1, 21-40 as 2, ... 81-100 as 5.
      So r_min 4 means "the best two fifths" at 5, 10 or 100 buckets.
    - An empty min or max is an open end.
    - The matching rule with the lowest priority number wins.
    - Every one of the N^3 cells must be matched by at least one rule (no gap),
      and two rules of one scheme with the same priority must never match the
      same cell (an overlap: which one wins would depend on row order).
      rfm_assert_segment_rules stops the build with a message otherwise.
-#}

{% macro rfm_score_series(buckets) -%}
    {#- One row per score 1..buckets, in plain SQL every engine runs. -#}
    {%- for score in range(1, buckets + 1) %}
    select {{ score }} as score
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{% macro rfm_segment_scaled_score(score, scale, buckets) -%}
    {#- An actual score (1..buckets) read on a rule's scale (1..scale): ceil(score x scale / buckets). -#}
    {{ rfm_lifecycle.rfm_ceil_div('(' ~ score ~ ') * (' ~ scale ~ ')', buckets) }}
{%- endmacro %}


{% macro rfm_segment_rule_covers(rule, r_scaled, f_scaled, m_scaled) -%}
    {#- True when the rule (an alias of a relation with the seed's r_min .. m_max) covers the cell, read on its scale. -#}
    {%- for dimension, scaled in [('r', r_scaled), ('f', f_scaled), ('m', m_scaled)] %}
    {%- if not loop.first %}
        and {% endif -%}
        ({{ rule }}.{{ dimension }}_min is null or {{ scaled }} >= {{ rule }}.{{ dimension }}_min)
        and ({{ rule }}.{{ dimension }}_max is null or {{ scaled }} <= {{ rule }}.{{ dimension }}_max)
    {%- endfor %}
{%- endmacro %}


{% macro rfm_segment_scaled_cells(rules, buckets, scheme_column) -%}
    {#-
        CTEs shared by the rule check and int_segment_cells_assigned:
          scale_steps   every actual score 1..buckets per scheme, read on the scheme's scale
          scaled_cells  every combination of those read values per scheme (at most scale^3)
          actual_cells  every one of the buckets^3 actual cells per scheme, with its scaled cell
        `rules` is a CTE with the scheme column, score_scale and r_min .. m_max.
    -#}
    scores as (
        {{ rfm_lifecycle.rfm_score_series(buckets) }}
    ),

    schemes as (
        select distinct
            {{ scheme_column }} as scheme_name,
            score_scale
        from {{ rules }}
    ),

    scale_steps as (
        select
            schemes.scheme_name,
            scores.score,
            {{ rfm_lifecycle.rfm_segment_scaled_score('scores.score', 'schemes.score_scale', buckets) }} as scaled_score
        from schemes
        cross join scores
    ),

    scaled_values as (
        select distinct
            scheme_name,
            scaled_score
        from scale_steps
    ),

    scaled_cells as (
        select
            r_values.scheme_name,
            r_values.scaled_score as r_scaled,
            f_values.scaled_score as f_scaled,
            m_values.scaled_score as m_scaled
        from scaled_values as r_values
        inner join scaled_values as f_values
            on r_values.scheme_name = f_values.scheme_name
        inner join scaled_values as m_values
            on r_values.scheme_name = m_values.scheme_name
    ),

    actual_cells as (
        select
            r_steps.scheme_name,
            r_steps.score as r_score,
            f_steps.score as f_score,
            m_steps.score as m_score,
            r_steps.scaled_score as r_scaled,
            f_steps.scaled_score as f_scaled,
            m_steps.scaled_score as m_scaled
        from scale_steps as r_steps
        inner join scale_steps as f_steps
            on r_steps.scheme_name = f_steps.scheme_name
        inner join scale_steps as m_steps
            on r_steps.scheme_name = m_steps.scheme_name
    )
{%- endmacro %}


{% macro rfm_segment_rule_columns() %}
    {{ return(['scheme', 'segment', 'segment_code', 'segment_order', 'priority', 'score_scale',
        'r_min', 'r_max', 'f_min', 'f_max', 'm_min', 'm_max',
        'phase', 'goal', 'action', 'channel', 'trigger']) }}
{% endmacro %}


{% macro rfm_assert_segment_rules(rules_relation, buckets, selected_scheme) %}
    {#-
        Stops the run with one message listing every problem of the rules:
        malformed rows first, then gaps and overlaps over all N^3 cells of
        every scheme. Skipped only while nothing runs (parsing, or linting
        before the seed is loaded); a real run selects from the seed right
        after, so a missing seed still fails there.
    -#}
    {%- if not execute or load_relation(rules_relation) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set rules = run_query(
        "select " ~ rfm_lifecycle.rfm_segment_rule_columns() | join(', ') ~ " from " ~ rules_relation
        ~ " order by scheme, priority, segment_code, segment"
    ) -%}
    {%- set problems = rfm_lifecycle.rfm_segment_rule_row_problems(rules, selected_scheme) -%}
    {%- if not problems -%}
        {%- set cells = run_query(rfm_lifecycle.rfm_segment_rule_cell_problems(rules_relation, buckets)) -%}
        {%- for row in cells.rows -%}
            {%- set first_cell = "R" ~ row['r_score'] ~ " F" ~ row['f_score'] ~ " M" ~ row['m_score'] -%}
            {%- if row['problem'] == 'gap' -%}
                {%- do problems.append(
                    "scheme '" ~ row['scheme'] ~ "': " ~ row['cell_count'] ~ " of " ~ buckets ** 3
                    ~ " cells match no rule (a gap), the first is " ~ first_cell
                    ~ ". Add a rule that covers them or widen one.") -%}
            {%- else -%}
                {%- do problems.append(
                    "scheme '" ~ row['scheme'] ~ "': " ~ row['cell_count'] ~ " cells match "
                    ~ ("two" if row['rule_count'] == 2 else row['rule_count']) ~ " rules with priority "
                    ~ row['priority'] ~ " ('" ~ row['first_segment'] ~ "' and '" ~ row['second_segment'] ~ "')"
                    ~ ", the first is " ~ first_cell ~ ". Rules that share a priority must not overlap:"
                    ~ " narrow one, or give the one that should win a lower priority number.") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if problems -%}
        {%- set shown = problems[:12] -%}
        {{ exceptions.raise_compiler_error(
            "rfm_lifecycle: the segment rules (seeds/rfm_segment_rules.csv) must give each of the "
            ~ buckets ** 3 ~ " score cells (score_buckets = " ~ buckets ~ ") exactly one segment in every scheme:\n  - "
            ~ shown | join("\n  - ")
            ~ ("\n  ... and " ~ (problems | length - shown | length) ~ " more" if problems | length > shown | length else "")
            ~ "\nHow rules read: docs/segment_schemes.md."
        ) }}
    {%- endif -%}
{% endmacro %}


{% macro rfm_segment_rule_row_problems(rules, selected_scheme) %}
    {#- Problems of single rows, and of rows that must agree (one scale per scheme, one action path per segment). -#}
    {%- set code_pattern = '[a-z][a-z0-9_]{0,39}' -%}
    {%- set problems = [] -%}
    {%- set scales = {} -%}
    {%- set segments_by_code = {} -%}
    {%- set codes_by_segment = {} -%}
    {%- if rules.rows | length == 0 -%}
        {%- do problems.append("the seed has no rules.") -%}
    {%- endif -%}
    {%- for row in rules.rows -%}
        {%- set scheme = row['scheme'] -%}
        {%- set label = "scheme '" ~ scheme ~ "', segment '" ~ row['segment'] ~ "' (priority " ~ row['priority'] ~ ")" -%}
        {%- if scheme is none or not modules.re.fullmatch(code_pattern, scheme) or '__' in scheme -%}
            {%- do problems.append(label ~ ": scheme must be a code of lower-case letters, digits and single underscores.") -%}
        {%- elif scheme == 'lifecycle' -%}
            {%- do problems.append(label ~ ": 'lifecycle' is reserved for the lifecycle segments; name the scheme otherwise.") -%}
        {%- endif -%}
        {%- if row['segment'] is none or row['segment'] | trim == '' or row['segment'] != row['segment'] | trim
            or row['segment'] | length > 60 or modules.re.search('[\\x00-\\x1f]', row['segment']) -%}
            {%- do problems.append(label ~ ": segment must be a name of 1 to 60 characters without surrounding spaces.") -%}
        {%- endif -%}
        {%- set code = row['segment_code'] -%}
        {%- if code is none or not modules.re.fullmatch(code_pattern, code) or '__' in code or code.startswith('tmp_') -%}
            {%- do problems.append(label ~ ": segment_code '" ~ code ~ "' must be a code of lower-case letters, digits"
                ~ " and single underscores, not starting with tmp_ (it names the export file).") -%}
        {%- endif -%}
        {%- if row['priority'] is none or row['priority'] < 0 -%}
            {%- do problems.append(label ~ ": priority must be a whole number, 0 or more (the lowest wins).") -%}
        {%- endif -%}
        {%- if row['segment_order'] is none -%}
            {%- do problems.append(label ~ ": segment_order is empty.") -%}
        {%- endif -%}
        {%- set scale = row['score_scale'] -%}
        {%- if scale is none or scale < 2 or scale > 100 -%}
            {%- do problems.append(label ~ ": score_scale must be 2 to 100 (the bucket count the rule is written for).") -%}
        {%- else -%}
            {%- if scheme in scales and scales[scheme] != scale -%}
                {%- do problems.append(label ~ ": score_scale " ~ scale ~ " differs from " ~ scales[scheme]
                    ~ " on other rules of the scheme; one scheme has one scale.") -%}
            {%- endif -%}
            {%- do scales.setdefault(scheme, scale) -%}
            {%- for dimension in ['r', 'f', 'm'] -%}
                {%- set low = row[dimension ~ '_min'] -%}
                {%- set high = row[dimension ~ '_max'] -%}
                {%- for name, value in [(dimension ~ '_min', low), (dimension ~ '_max', high)] -%}
                    {%- if value is not none and (value < 1 or value > scale) -%}
                        {%- do problems.append(label ~ ": " ~ name ~ " " ~ value ~ " is outside 1.." ~ scale
                            ~ " (score_scale); leave it empty for an open end.") -%}
                    {%- endif -%}
                {%- endfor -%}
                {%- if low is not none and high is not none and low > high -%}
                    {%- do problems.append(label ~ ": " ~ dimension ~ "_min " ~ low ~ " is above "
                        ~ dimension ~ "_max " ~ high ~ ", so the rule matches nothing.") -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
        {%- set attributes = [row['segment'], row['segment_order'], row['phase'], row['goal'], row['action'],
            row['channel'], row['trigger']] | map('string') | join(' | ') -%}
        {%- set code_key = scheme ~ '.' ~ code -%}
        {%- if code_key in segments_by_code and segments_by_code[code_key] != attributes -%}
            {%- do problems.append(label ~ ": the rules of segment_code '" ~ code ~ "' disagree on segment,"
                ~ " segment_order or the action path; every rule of one segment repeats them.") -%}
        {%- endif -%}
        {%- do segments_by_code.setdefault(code_key, attributes) -%}
        {%- set name_key = scheme ~ '.' ~ row['segment'] -%}
        {%- if name_key in codes_by_segment and codes_by_segment[name_key] != code -%}
            {%- do problems.append(label ~ ": segment '" ~ row['segment'] ~ "' has two codes ('"
                ~ codes_by_segment[name_key] ~ "' and '" ~ code ~ "').") -%}
        {%- endif -%}
        {%- do codes_by_segment.setdefault(name_key, code) -%}
    {%- endfor -%}
    {%- if rules.rows | length > 0 and selected_scheme not in scales -%}
        {%- set known = rules.columns['scheme'].values() | reject('none') | unique | sort -%}
        {%- do problems.append("var 'rfm_segment_scheme' is '" ~ selected_scheme ~ "', but the seed has no rules for it;"
            ~ " schemes found: " ~ known | join(', ') ~ ".") -%}
    {%- endif -%}
    {{ return(problems) }}
{% endmacro %}


{% macro rfm_segment_rule_cell_problems(rules_relation, buckets) %}
    {#-
        Every actual cell of every scheme checked: one row per kind of
        problem (a gap, or an overlap of rules with one priority) with the
        first actual cell it hits and how many actual cells it hits.
    -#}
    with

    rules as (
        select * from {{ rules_relation }}
    ),

    {{ rfm_lifecycle.rfm_segment_scaled_cells('rules', buckets, 'scheme') }},

    matches as (
        select
            scaled_cells.scheme_name,
            scaled_cells.r_scaled,
            scaled_cells.f_scaled,
            scaled_cells.m_scaled,
            rules.priority,
            rules.segment
        from scaled_cells
        inner join rules
            on
                scaled_cells.scheme_name = rules.scheme
                and {{ rfm_lifecycle.rfm_segment_rule_covers(
                    'rules', 'scaled_cells.r_scaled', 'scaled_cells.f_scaled', 'scaled_cells.m_scaled') }}
    ),

    matched_cells as (
        select distinct scheme_name, r_scaled, f_scaled, m_scaled from matches
    ),

    gaps as (
        select
            scaled_cells.scheme_name,
            scaled_cells.r_scaled,
            scaled_cells.f_scaled,
            scaled_cells.m_scaled,
            'gap' as problem,
            cast(null as {{ dbt.type_int() }}) as priority,
            cast(null as {{ dbt.type_string() }}) as first_segment,
            cast(null as {{ dbt.type_string() }}) as second_segment,
            0 as rule_count
        from scaled_cells
        left join matched_cells
            on
                scaled_cells.scheme_name = matched_cells.scheme_name
                and scaled_cells.r_scaled = matched_cells.r_scaled
                and scaled_cells.f_scaled = matched_cells.f_scaled
                and scaled_cells.m_scaled = matched_cells.m_scaled
        where matched_cells.scheme_name is null
    ),

    same_priority_matches as (
        select
            scheme_name,
            r_scaled,
            f_scaled,
            m_scaled,
            'overlap' as problem,
            priority,
            min(segment) as first_segment,
            max(segment) as second_segment,
            count(*) as rule_count
        from matches
        group by scheme_name, r_scaled, f_scaled, m_scaled, priority
        having count(*) > 1
    ),

    scaled_problems as (
        select * from gaps
        union all
        select * from same_priority_matches
    ),

    problems as (
        select
            scaled_problems.problem,
            scaled_problems.scheme_name as scheme,
            actual_cells.r_score,
            actual_cells.f_score,
            actual_cells.m_score,
            scaled_problems.priority,
            scaled_problems.first_segment,
            scaled_problems.second_segment,
            scaled_problems.rule_count
        from scaled_problems
        inner join actual_cells
            on
                scaled_problems.scheme_name = actual_cells.scheme_name
                and scaled_problems.r_scaled = actual_cells.r_scaled
                and scaled_problems.f_scaled = actual_cells.f_scaled
                and scaled_problems.m_scaled = actual_cells.m_scaled
    ),

    counted as (
        select
            problems.*,
            count(*) over (
                partition by problem, scheme, priority, first_segment, second_segment
            ) as cell_count,
            max(rule_count) over (
                partition by problem, scheme, priority, first_segment, second_segment
            ) as max_rule_count,
            row_number() over (
                partition by problem, scheme, priority, first_segment, second_segment
                order by r_score asc, f_score asc, m_score asc
            ) as cell_rank
        from problems
    )

    select
        problem,
        scheme,
        r_score,
        f_score,
        m_score,
        priority,
        first_segment,
        second_segment,
        max_rule_count as rule_count,
        cell_count
    from counted
    where cell_rank = 1
    order by scheme asc, problem asc, priority asc nulls first, first_segment asc nulls first, second_segment asc nulls first
{% endmacro %}
