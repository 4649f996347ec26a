{#-
    Exact order statistics with no window function (issue 18): a window with
    no partition, or partitioned by a key of a few values, runs as one task on
    one partition on Spark and the warehouses like it, so the step holding
    every customer would not scale out. Only aggregates and joins here, each
    of them distributed:

      1. one row per group: the number of values, the smallest and the span;
      2. a histogram of at most `fanout` buckets over the span (the bucket
         width a power of `fanout`, chosen from the span), rows counted per
         bucket by a group-by;
      3. rows up to each bucket, instead of a running window: the top
         buckets joined with each other, the narrower ones (at most fanout
         inside one parent) with the numbers 0..fanout - 1;
      4. the bucket holding each wanted position is kept, and only the rows
         inside it are counted again in buckets `fanout` times narrower;
      5. after `levels` levels the width is 1: the bucket is the value.

    Values must be whole numbers (days, order counts, money as whole cents:
    rfm_money_cents); nulls are left out, as the statistics of the engines
    leave them out. `levels` is a speed setting, not a limit: with fanout **
    levels above the span (2 levels: 16,384 days or orders; 4: money up to
    $2.6 million in cents) every histogram has at most fanout buckets; a
    wider span only widens the first one. Each level costs two shuffles on
    Spark, so the fewest that keep the top histogram small.

    `positions` is one SQL expression of `sample_size` (the number of non-null
    values in the group) and `target_number` (1..targets): the 1-indexed
    position wanted; positions outside 1..sample_size are skipped. With
    descending the order is reversed (position 1 = the largest value).

    Returns one row per group (one row in all without group_by, also for no
    rows): the group columns, sample_size and order_statistic_1..targets (null
    when not wanted), each in the wide integer type (rfm_wide_integer).
-#}
{% macro rfm_order_statistics(
    relation, value, positions, targets, group_by=[], where='1 = 1', descending=false, levels=4
) -%}
    {%- set fanout = 128 -%}
    {%- set prefix = 'order_statistics_' -%}
    {%- set sign = '-' if descending else '' -%}
    {%- set keys = group_by | join(', ') ~ (', ' if group_by else '') -%}
    with

    {{ prefix }}input as (

        select
            {{ keys }}
            {{ sign }}{{ rfm_lifecycle.rfm_wide_integer(value) }} as statistic_value

        from {{ relation }}
        where ({{ where }}) and ({{ value }}) is not null

    ),

    {{ prefix }}sizes as (

        select
            {{ keys }}
            count(*) as sample_size,
            min(statistic_value) as low_value,
            max(statistic_value) - min(statistic_value) as value_span

        from {{ prefix }}input
        {% if group_by %}group by {{ group_by | join(', ') }}{% endif %}

    ),

    {{ prefix }}widths as (

        -- The top width: the smallest power of the fanout that leaves at most fanout buckets.
        select
            {{ keys }}
            sample_size,
            low_value,
            {%- for level in range(levels) %}
            {#- Level `level` is the top level's width divided by fanout ** level, and 1 from the exact level on. -#}
            {%- if level == levels - 1 %}
            cast(1 as {{ dbt.type_bigint() }}) as width_{{ level }}
            {%- else %}
            cast(
                case
                    {%- for exponent in range(1, levels - level) %}
                    when value_span >= {{ fanout ** (level + exponent) }}
                        {%- if not loop.last %} and value_span < {{ fanout ** (level + exponent + 1) }}{% endif %}
                        then {{ fanout ** exponent }}
                    {%- endfor %}
                    else 1
                end as {{ dbt.type_bigint() }}
            ) as width_{{ level }},
            {%- endif %}
            {%- endfor %}

        from {{ prefix }}sizes

    ),

    {{ prefix }}bucket_numbers as (

        -- 0 .. fanout - 1: the buckets inside one parent bucket.
        select
            {%- for bit in range(7) %}
            bit_{{ bit }}.bit_value * {{ 2 ** bit }}{{ ' +' if not loop.last }}
            {%- endfor %}
                as bucket_index
        from (select 0 as bit_value union all select 1 as bit_value) as bit_0
        {%- for bit in range(1, 7) %}
        cross join (select 0 as bit_value union all select 1 as bit_value) as bit_{{ bit }}
        {%- endfor %}

    ),

    {{ prefix }}level_start as (

        select
            widths.*,
            numbered.target_number,
            {{ positions }} as target_position,
            {{ rfm_lifecycle.rfm_wide_integer('0') }} as bucket_start,
            {{ rfm_lifecycle.rfm_wide_integer('0') }} as rows_below

        from {{ prefix }}widths as widths
        cross join (
            {%- for target in range(1, targets + 1) %}
            select {{ target }} as target_number{{ ' union all' if not loop.last }}
            {%- endfor %}
        ) as numbered
        where {{ positions }} between 1 and widths.sample_size

    ),
    {%- set carried = [] -%}
    {%- for key in group_by %}{% do carried.append(key) %}{% endfor -%}
    {%- do carried.extend(['sample_size', 'low_value']) -%}
    {%- for level in range(levels) %}{% do carried.append('width_' ~ level) %}{% endfor -%}
    {%- do carried.extend(['target_number', 'target_position', 'bucket_start', 'rows_below']) -%}
    {%- set same_group = [] -%}
    {%- for key in group_by %}{% do same_group.append('{left}.' ~ key ~ ' = {right}.' ~ key) %}{% endfor -%}
    {%- do same_group.append('1 = 1') -%}
    {%- set same_group = same_group | join(' and ') -%}
    {{ prefix }}positioned as (

        -- Each value as its offset from the smallest of its group, with the bucket widths of the group.
        select
            {%- for key in group_by %}
            observed.{{ key }},
            {%- endfor %}
            observed.statistic_value - widths.low_value as value_offset,
            {%- for level in range(levels) %}
            widths.width_{{ level }}{{ ',' if not loop.last }}
            {%- endfor %}

        from {{ prefix }}input as observed
        inner join {{ prefix }}widths as widths
            on {{ same_group.replace('{left}', 'observed').replace('{right}', 'widths') }}

    ),

    {{ prefix }}counts_0 as (

        -- The top histogram, per group: at most fanout buckets.
        select
            {{ keys }}
            {{ rfm_lifecycle.rfm_integer_div('value_offset', rfm_lifecycle.rfm_wide_integer('width_0')) }} as child_index,
            count(*) as child_rows

        from {{ prefix }}positioned
        group by
            {{ keys }}
            {{ rfm_lifecycle.rfm_integer_div('value_offset', rfm_lifecycle.rfm_wide_integer('width_0')) }}

    ),

    {{ prefix }}running_0 as (

        -- Rows up to each bucket: the few buckets of a group joined with each other, not a running window.
        -- Read from the values only, so it may join itself without doubling the plan; a span wider than
        -- fanout ** levels only widens this histogram.
        select
            {%- for key in group_by %}
            counts.{{ key }},
            {%- endfor %}
            counts.child_index as bucket_index,
            sum(earlier.child_rows) as rows_through,
            counts.child_rows as rows_in_bucket

        from {{ prefix }}counts_0 as counts
        inner join {{ prefix }}counts_0 as earlier
            on {{ same_group.replace('{left}', 'counts').replace('{right}', 'earlier') }}
            and counts.child_index >= earlier.child_index
        group by
            {%- for key in group_by %}
            counts.{{ key }},
            {%- endfor %}
            counts.child_index,
            counts.child_rows

    ),

    {{ prefix }}level_0 as (

        -- The one bucket whose rows reach the wanted position.
        select
            {%- for column in carried if column not in ['bucket_start', 'rows_below'] %}
            wanted.{{ column }},
            {%- endfor %}
            running.bucket_index * wanted.width_0 as bucket_start,
            running.rows_through - running.rows_in_bucket as rows_below

        from {{ prefix }}level_start as wanted
        inner join {{ prefix }}running_0 as running
            on {{ same_group.replace('{left}', 'wanted').replace('{right}', 'running') }}
        where
            running.rows_through - running.rows_in_bucket < wanted.target_position
            and wanted.target_position <= running.rows_through

    ),
    {#-
        Each level reads the previous one once (the counts carry the wanted
        position along), so an engine that inlines CTEs (Spark) plans a chain,
        not a tree that doubles per level. The rows of the parent bucket are
        found by an equality join on the parent bucket's number.
    -#}
    {%- for level in range(1, levels) %}
    {%- set parent_width = rfm_lifecycle.rfm_wide_integer('wanted.width_' ~ (level - 1)) %}
    {%- set child_index = rfm_lifecycle.rfm_integer_div(
        '(observed.value_offset - wanted.bucket_start)', rfm_lifecycle.rfm_wide_integer('wanted.width_' ~ level)) %}

    {{ prefix }}counts_{{ level }} as (

        -- Only the rows inside the bucket that holds the wanted position are counted again, narrower.
        select
            {%- for column in carried %}
            wanted.{{ column }},
            {%- endfor %}
            {{ child_index }} as child_index,
            count(*) as child_rows

        from {{ prefix }}positioned as observed
        inner join {{ prefix }}level_{{ level - 1 }} as wanted
            on {{ same_group.replace('{left}', 'observed').replace('{right}', 'wanted') }}
            and {{ rfm_lifecycle.rfm_integer_div('observed.value_offset',
                rfm_lifecycle.rfm_wide_integer('observed.width_' ~ (level - 1))) }}
            = {{ rfm_lifecycle.rfm_integer_div('wanted.bucket_start', parent_width) }}
        group by
            {%- for column in carried %}
            wanted.{{ column }},
            {%- endfor %}
            {{ child_index }}

    ),

    {{ prefix }}running_{{ level }} as (

        select
            {%- for column in carried %}
            counts.{{ column }},
            {%- endfor %}
            numbers.bucket_index,
            sum(counts.child_rows) as rows_through,
            sum(case when counts.child_index = numbers.bucket_index then counts.child_rows else 0 end)
                as rows_in_bucket

        from {{ prefix }}counts_{{ level }} as counts
        inner join {{ prefix }}bucket_numbers as numbers
            on counts.child_index <= numbers.bucket_index
        group by
            {%- for column in carried %}
            counts.{{ column }},
            {%- endfor %}
            numbers.bucket_index

    ),

    {{ prefix }}level_{{ level }} as (

        select
            {%- for column in carried if column not in ['bucket_start', 'rows_below'] %}
            {{ column }},
            {%- endfor %}
            bucket_start + bucket_index * width_{{ level }} as bucket_start,
            rows_below + rows_through - rows_in_bucket as rows_below

        from {{ prefix }}running_{{ level }}
        where
            rows_below + rows_through - rows_in_bucket < target_position
            and target_position <= rows_below + rows_through

    ),
    {%- endfor %}

    {{ prefix }}found as (

        -- The last level has width 1: the bucket's start is the value's offset from the smallest.
        select
            {{ keys }}
            target_number,
            {{ sign }}(low_value + bucket_start) as statistic_value

        from {{ prefix }}level_{{ levels - 1 }}

    )

    select
        {%- for key in group_by %}
        sizes.{{ key }},
        {%- endfor %}
        sizes.sample_size,
        {%- for target in range(1, targets + 1) %}
        max(case when found.target_number = {{ target }} then found.statistic_value end)
            as order_statistic_{{ target }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ prefix }}sizes as sizes
    left join {{ prefix }}found as found
        on {{ same_group.replace('{left}', 'sizes').replace('{right}', 'found') }}
    group by
        {%- for key in group_by %}
        sizes.{{ key }},
        {%- endfor %}
        sizes.sample_size
{%- endmacro %}


{#-
    The cut points of a tie-safe NTILE(buckets) (what rfm_tie_safe_ntile
    computed with rank() over the whole set): NTILE gives the first
    `remainder` buckets one row more, so bucket k + 1 starts at the 0-indexed
    position s_k = k * (per + 1) for k <= remainder, else remainder * (per + 1)
    + (k - remainder) * per. A row whose value has p rows strictly before it
    (its rank - 1) is in bucket 1 + #{k : s_k <= p}, and s_k <= p exactly when
    the s_k-th value (1-indexed) comes strictly before the row's value. So the
    b - 1 order statistics at positions s_1..s_{b-1} are the cut points; equal
    values share a score by construction. For n >= 1 every s_k lies in 1..n.
-#}
{% macro rfm_cut_points(relation, value, buckets, group_by=[], descending=false, levels=4) -%}
    {%- set per_bucket = 'cast(floor(sample_size / ' ~ buckets ~ ') as ' ~ dbt.type_bigint() ~ ')' -%}
    {%- set remainder = '(sample_size - ' ~ per_bucket ~ ' * ' ~ buckets ~ ')' -%}
    {%- set position -%}
        (case
            when target_number <= {{ remainder }} then target_number * ({{ per_bucket }} + 1)
            else {{ remainder }} * ({{ per_bucket }} + 1) + (target_number - {{ remainder }}) * {{ per_bucket }}
        end)
    {%- endset -%}
    {{ rfm_lifecycle.rfm_order_statistics(
        relation, value, position, buckets - 1, group_by=group_by, descending=descending, levels=levels) }}
{%- endmacro %}


{% macro rfm_score_from_cut_points(value, cut_points, buckets, descending=false) -%}
    {#- 1 + the cut points strictly before the value in the order; a null value has no score. -#}
    case
        when ({{ value }}) is not null then cast(
            1
            {%- for cut in range(1, buckets) %}
            + case when {{ cut_points }}.order_statistic_{{ cut }} {{ '>' if descending else '<' }} ({{ value }}) then 1 else 0 end
            {%- endfor %}
            as {{ dbt.type_int() }}
        )
    end
{%- endmacro %}
