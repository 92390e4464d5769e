use sqlx::PgPool;

pub async fn revenue_for(pool: &PgPool, region: &str) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT SUM(total) FROM orders WHERE region = '{region}'");
    let (total,): (i64,) = sqlx::query_as(&sql).fetch_one(pool).await?;
    Ok(total)
}

pub async fn orders_for(pool: &PgPool, customer: i64) -> Result<Vec<(i64,)>, sqlx::Error> {
    sqlx::query_as("SELECT id FROM orders WHERE customer_id = $1")
        .bind(customer)
        .fetch_all(pool)
        .await
}

fn main() {}
