{#- The value range behind each R, F and M score, so a score can be explained in days, orders and money. -#}

with

customers as (

    select * from {{ ref('customer_segments') }}
    where r_score is not null

),

ranges as (

    select
        'recency_days' as measure,
        r_score as score,
        count(*) as customers,
        cast(min(recency_days) as decimal(38, 2)) as min_value,
        cast(max(recency_days) as decimal(38, 2)) as max_value
    from customers
    group by r_score

    union all

    select
        'frequency' as measure,
        f_score as score,
        count(*) as customers,
        cast(min(frequency) as decimal(38, 2)) as min_value,
        cast(max(frequency) as decimal(38, 2)) as max_value
    from customers
    group by f_score

    union all

    select
        'monetary' as measure,
        m_score as score,
        count(*) as customers,
        min(monetary) as min_value,
        max(monetary) as max_value
    from customers
    group by m_score

),

final as (

    select
        cast(measure as {{ dbt.type_string() }}) as measure,
        cast(score as {{ dbt.type_int() }}) as score,
        cast(customers as {{ dbt.type_int() }}) as customers,
        cast(min_value as decimal(38, 2)) as min_value,
        cast(max_value as decimal(38, 2)) as max_value

    from ranges

)

select * from final
