{#-
    One row per day from 2000 to 2050: the time spine of the dbt semantic
    layer (models/marts/_semantic_layer.yml), which MetricFlow joins for
    cumulative metrics and for days without data.
-#}

with

days as (

    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", "cast('2051-01-01' as date)") }}

),

final as (

    select cast(date_day as date) as date_day

    from days

)

select * from final
