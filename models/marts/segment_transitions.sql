{#-
    The flows between lifecycle segments, the data of a flow (Sankey) chart:
    per period end, how many customers went from one segment (at the previous
    period end) to another, and the revenue they brought in during the period.
    Customers who stayed put have a row too (from = to), so the flows out of a
    segment add up to its size at the previous period end. Entries come from
    'none': customers not known at the previous period end.
-#}

with

history as (

    select * from {{ ref('segment_history') }}

),

flows as (

    select
        period_end_date,
        previous_segment as from_segment,
        lifecycle_segment as to_segment,
        count(*) as customers,
        sum(revenue_in_period) as revenue_in_period

    from history
    group by period_end_date, previous_segment, lifecycle_segment

),

final as (

    select
        period_end_date,
        cast(from_segment as {{ dbt.type_string() }}) as from_segment,
        cast(to_segment as {{ dbt.type_string() }}) as to_segment,
        cast(customers as {{ dbt.type_int() }}) as customers,
        cast(revenue_in_period as decimal(38, 2)) as revenue_in_period,
        from_segment = to_segment as is_unchanged,
        {{ rfm_lifecycle.rfm_is_reactivation('from_segment', 'to_segment') }} as is_reactivation

    from flows

)

select * from final
