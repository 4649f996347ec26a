{#-
    One row per day from 2000 to 2050: the time spine of the dbt semantic
    layer (models/marts/_semantic_layer.yml), which MetricFlow joins for
    cumulative metrics and for days without data.
-#}

with

day_numbers as (

    -- 2000-01-01 to 2050-12-31: 18,628 days. dbt.date_spine numbers them with a window without a partition,
    -- one task on Spark (issue 18); generate_series counts by cross joins.
    {{ dbt.generate_series(18628) }}

),

final as (

    select
        {{ rfm_lifecycle.rfm_add_days(
            rfm_lifecycle.rfm_date_literal('2000-01-01'),
            'cast(day_numbers.generated_number as ' ~ dbt.type_int() ~ ') - 1') }} as date_day

    from day_numbers

)

select * from final
